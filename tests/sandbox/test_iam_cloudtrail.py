"""IAM and CloudTrail handlers of `firebreak sandbox`, driven by awscli v2 and boto3.

World: examples/worlds/test-iam.yaml (alice admin, bob read-only, mallory/carol/dave to contain, a
logging multi-region trail in us-east-1 and a stopped single-region trail in us-west-2). Each test
uses its own users so the order tests run in does not matter; trail logging is switched in its own
class (its own sandbox) because it decides what the other calls record.

Run: FIREBREAK_BIN=build/<dir>/apps/firebreak/firebreak python3 -m unittest tests/sandbox/test_iam_cloudtrail.py
"""
import json
import os
import re
import sys
import time
import unittest

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sandbox_fixture import ALICE, BOB, SandboxTestCase  # noqa: E402

ACCOUNT = "111111111111"
MALLORY = ("AKIAEXAMPLEMALLORY01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEMALL")
CAROL = ("AKIAEXAMPLECAROL0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLECARO")
ROOT = ("AKIAEXAMPLEROOT11111", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEROOT")
DAVE = ("AKIAEXAMPLEDAVE00001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEDAVE")
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management-events"
WEST_ARN = f"arn:aws:cloudtrail:us-west-2:{ACCOUNT}:trail/west-trail"
JAVA_TIME = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$")


class Base(SandboxTestCase):
    world = "test-iam.yaml"

    def wait_records(self, predicate, count=1, timeout=6.0):
        """Records matching `predicate`, waiting (for the recorder's 1 s flush) until there are `count`."""
        deadline = time.time() + timeout
        while True:
            found = [r for r in self.sandbox.records() if predicate(r)]
            if len(found) >= count or time.time() > deadline:
                return found
            time.sleep(0.2)

    def record_for(self, request_id):
        found = self.wait_records(lambda r: r.get("requestID") == request_id)
        self.assertEqual(len(found), 1, f"no single record for request {request_id}")
        return found[0]

    def client_error(self, fn, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kwargs)
        return cm.exception.response

    def assert_iam_record(self, record, name, read_only, caller_arn=ALICE_ARN):
        self.assertEqual(record["eventName"], name)
        self.assertEqual(record["eventSource"], "iam.amazonaws.com")
        self.assertEqual(record["awsRegion"], "us-east-1")
        self.assertEqual(record["readOnly"], read_only)
        self.assertEqual(record["userIdentity"]["arn"], caller_arn)
        self.assertEqual(record["recipientAccountId"], ACCOUNT)


class IamTest(Base):
    def test_create_user(self):
        iam = self.sandbox.boto3("iam")
        rc, out = self.sandbox.aws("iam", "create-user", "--user-name", "ir-bob", "--tags", "Key=case,Value=IR-1")
        user = out["User"]
        self.assertEqual(user["UserName"], "ir-bob")
        self.assertEqual(user["Path"], "/")
        self.assertEqual(user["Arn"], f"arn:aws:iam::{ACCOUNT}:user/ir-bob")
        self.assertTrue(user["UserId"].startswith("AIDA"))
        self.assertEqual(user["Tags"], [{"Key": "case", "Value": "IR-1"}])
        self.assertIn("CreateDate", user)

        resp = iam.create_user(UserName="ir-carol", Path="/ir/")
        self.assertEqual(resp["User"]["Arn"], f"arn:aws:iam::{ACCOUNT}:user/ir/ir-carol")
        self.assertEqual(resp["User"]["Path"], "/ir/")
        # The user exists now: its (empty) key list can be read, and the name is taken.
        self.assertEqual(iam.list_access_keys(UserName="ir-carol")["AccessKeyMetadata"], [])
        err = self.client_error(iam.create_user, UserName="IR-CAROL")
        self.assertEqual(err["Error"]["Code"], "EntityAlreadyExists")
        self.assertEqual(err["Error"]["Message"], "User with name IR-CAROL already exists.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 409)
        dup_id = err["ResponseMetadata"]["RequestId"]
        rc, text = self.sandbox.aws("iam", "create-user", "--user-name", "bad/name", check=False)
        self.assertEqual(rc, 254)
        self.assertIn("ValidationError", text)
        rc, text = self.sandbox.aws("iam", "create-user", "--user-name", "x", "--path", "nopath", check=False)
        self.assertIn("ValidationError", text)
        # bob is read-only.
        rc, text = self.sandbox.aws("iam", "create-user", "--user-name", "bob2", keys=BOB, check=False)
        self.assertEqual(rc, 254)
        self.assertIn("AccessDenied", text)
        self.assertIn(f"User: {BOB_ARN} is not authorized to perform: iam:CreateUser", text)

        # CloudTrail.
        created = self.wait_records(lambda r: r["eventName"] == "CreateUser" and not r.get("errorCode")
                                    and r["requestParameters"]["userName"] == "ir-bob")
        self.assertEqual(len(created), 1)
        record = created[0]
        self.assert_iam_record(record, "CreateUser", False)
        self.assertEqual(record["requestParameters"], {"userName": "ir-bob", "tags": [{"key": "case", "value": "IR-1"}]})
        elements = record["responseElements"]["user"]
        self.assertEqual(elements["userName"], "ir-bob")
        self.assertEqual(elements["arn"], user["Arn"])
        self.assertEqual(elements["userId"], user["UserId"])
        self.assertEqual(elements["path"], "/")
        self.assertEqual(elements["tags"], [{"key": "case", "value": "IR-1"}])
        self.assertRegex(elements["createDate"], JAVA_TIME)
        dup = self.record_for(dup_id)
        self.assertEqual(dup["errorCode"], "EntityAlreadyExistsException")
        self.assertIsNone(dup["responseElements"])
        denied = self.wait_records(lambda r: r["eventName"] == "CreateUser" and r.get("errorCode") == "AccessDenied")
        self.assertEqual(len(denied), 1)
        self.assert_iam_record(denied[0], "CreateUser", False, caller_arn=BOB_ARN)
        self.assertIn("iam:CreateUser", denied[0]["errorMessage"])

    def test_access_keys(self):
        iam = self.sandbox.boto3("iam")
        iam.create_user(UserName="breakglass")
        rc, out = self.sandbox.aws("iam", "create-access-key", "--user-name", "breakglass")
        key = out["AccessKey"]
        self.assertEqual(key["UserName"], "breakglass")
        self.assertEqual(key["Status"], "Active")
        self.assertRegex(key["AccessKeyId"], r"^AKIA[A-Z2-7]{16}$")
        self.assertEqual(len(key["SecretAccessKey"]), 40)
        second = iam.create_access_key(UserName="breakglass")["AccessKey"]
        self.assertNotEqual(second["AccessKeyId"], key["AccessKeyId"])
        err = self.client_error(iam.create_access_key, UserName="breakglass")
        self.assertEqual(err["Error"]["Code"], "LimitExceeded")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 409)
        err = self.client_error(iam.create_access_key, UserName="nobody")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        self.assertEqual(err["Error"]["Message"], "The user with name nobody cannot be found.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.client_error(self.sandbox.boto3("iam", keys=BOB).create_access_key, UserName="alice")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")

        # The new key authenticates.
        new_keys = (key["AccessKeyId"], key["SecretAccessKey"])
        rc, ident = self.sandbox.aws("sts", "get-caller-identity", keys=new_keys)
        self.assertEqual(ident["Arn"], f"arn:aws:iam::{ACCOUNT}:user/breakglass")

        # ListAccessKeys, both clients.
        rc, out = self.sandbox.aws("iam", "list-access-keys", "--user-name", "breakglass")
        listed = {k["AccessKeyId"]: k for k in out["AccessKeyMetadata"]}
        self.assertEqual(set(listed), {key["AccessKeyId"], second["AccessKeyId"]})
        self.assertEqual(listed[key["AccessKeyId"]]["Status"], "Active")
        self.assertEqual(listed[key["AccessKeyId"]]["UserName"], "breakglass")
        self.assertNotIn("SecretAccessKey", listed[key["AccessKeyId"]])
        resp = iam.list_access_keys(UserName="bob")
        self.assertFalse(resp["IsTruncated"])
        self.assertEqual({k["AccessKeyId"]: k["Status"] for k in resp["AccessKeyMetadata"]},
                         {"AKIAEXAMPLEBOB000001": "Active", "AKIAEXAMPLEBOB000002": "Inactive"})
        page = iam.list_access_keys(UserName="bob", MaxItems=1)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(len(page["AccessKeyMetadata"]), 1)
        rest = iam.list_access_keys(UserName="bob", Marker=page["Marker"])
        self.assertEqual(rest["AccessKeyMetadata"][0]["AccessKeyId"], "AKIAEXAMPLEBOB000002")
        list_id = resp["ResponseMetadata"]["RequestId"]
        # Without UserName: the caller's own keys.
        own = self.sandbox.boto3("iam", keys=DAVE).list_access_keys()
        self.assertEqual([k["AccessKeyId"] for k in own["AccessKeyMetadata"]], [DAVE[0]])
        self.assertEqual(own["AccessKeyMetadata"][0]["UserName"], "dave")
        err = self.client_error(iam.list_access_keys, UserName="nobody")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        rc, text = self.sandbox.aws("iam", "list-access-keys", "--user-name", "alice", keys=BOB, check=False)
        self.assertIn("AccessDenied", text)

        # UpdateAccessKey: an Inactive key stops authenticating; Active again, it works again.
        self.sandbox.aws("iam", "update-access-key", "--user-name", "breakglass", "--access-key-id",
                         key["AccessKeyId"], "--status", "Inactive")
        rc, text = self.sandbox.aws("sts", "get-caller-identity", keys=new_keys, check=False)
        self.assertEqual(rc, 254)
        self.assertIn("InvalidClientTokenId", text)
        statuses = {k["AccessKeyId"]: k["Status"]
                    for k in iam.list_access_keys(UserName="breakglass")["AccessKeyMetadata"]}
        self.assertEqual(statuses[key["AccessKeyId"]], "Inactive")
        self.assertEqual(statuses[second["AccessKeyId"]], "Active")
        resp = iam.update_access_key(UserName="breakglass", AccessKeyId=key["AccessKeyId"], Status="Active")
        update_id = resp["ResponseMetadata"]["RequestId"]
        rc, ident = self.sandbox.aws("sts", "get-caller-identity", keys=new_keys)
        self.assertEqual(ident["Arn"], f"arn:aws:iam::{ACCOUNT}:user/breakglass")
        # Without UserName: the caller's own key (dave deactivates his own key and is locked out).
        self.sandbox.boto3("iam", keys=DAVE).update_access_key(AccessKeyId=DAVE[0], Status="Inactive")
        rc, text = self.sandbox.aws("sts", "get-caller-identity", keys=DAVE, check=False)
        self.assertIn("InvalidClientTokenId", text)
        err = self.client_error(iam.update_access_key, UserName="breakglass", AccessKeyId="AKIAAAAAAAAAAAAAAAAA",
                                Status="Inactive")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        self.assertEqual(err["Error"]["Message"], "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        # alice's key belongs to alice, not to breakglass.
        err = self.client_error(iam.update_access_key, UserName="breakglass", AccessKeyId=ALICE[0], Status="Inactive")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        err = self.client_error(iam.update_access_key, UserName="nobody", AccessKeyId=ALICE[0], Status="Inactive")
        self.assertEqual(err["Error"]["Message"], "The user with name nobody cannot be found.")
        rc, text = self.sandbox.aws("iam", "update-access-key", "--user-name", "alice", "--access-key-id", ALICE[0],
                                    "--status", "Inactive", keys=BOB, check=False)
        self.assertIn("AccessDenied", text)
        self.assertIn("iam:UpdateAccessKey", text)
        rc, ident = self.sandbox.aws("sts", "get-caller-identity")  # alice's key is still active
        self.assertEqual(ident["Arn"], ALICE_ARN)

        # CloudTrail: the secret never appears; responseElements carries the key's metadata.
        created = self.wait_records(lambda r: r["eventName"] == "CreateAccessKey" and not r.get("errorCode")
                                    and r["requestParameters"] == {"userName": "breakglass"}, count=2)
        self.assertEqual(len(created), 2)
        for record in created:
            self.assert_iam_record(record, "CreateAccessKey", False)
            self.assertEqual(record["requestParameters"], {"userName": "breakglass"})
            text = json.dumps(record)
            self.assertNotIn(key["SecretAccessKey"], text)
            self.assertNotIn(second["SecretAccessKey"], text)
            ak = record["responseElements"]["accessKey"]
            self.assertEqual(set(ak), {"accessKeyId", "status", "userName", "createDate"})
            self.assertEqual(ak["userName"], "breakglass")
            self.assertEqual(ak["status"], "Active")
            self.assertRegex(ak["createDate"], JAVA_TIME)
        self.assertEqual({r["responseElements"]["accessKey"]["accessKeyId"] for r in created},
                         {key["AccessKeyId"], second["AccessKeyId"]})
        limit = self.wait_records(lambda r: r["eventName"] == "CreateAccessKey" and r.get("errorCode") == "LimitExceededException"
                                  and r["requestParameters"] == {"userName": "breakglass"})
        self.assertEqual(len(limit), 1)
        record = self.record_for(update_id)
        self.assert_iam_record(record, "UpdateAccessKey", False)
        self.assertEqual(record["requestParameters"],
                         {"userName": "breakglass", "accessKeyId": key["AccessKeyId"], "status": "Active"})
        self.assertIsNone(record["responseElements"])
        own_update = self.wait_records(lambda r: r["eventName"] == "UpdateAccessKey"
                                       and r["userIdentity"]["arn"].endswith("user/dave"))
        self.assertEqual(own_update[0]["requestParameters"], {"accessKeyId": DAVE[0], "status": "Inactive"})
        record = self.record_for(list_id)
        self.assert_iam_record(record, "ListAccessKeys", True)
        self.assertEqual(record["requestParameters"], {"userName": "bob"})
        self.assertIsNone(record["responseElements"])
        missing = self.wait_records(lambda r: r["eventName"] == "UpdateAccessKey" and r.get("errorCode") == "NoSuchEntityException", count=3)
        self.assertEqual(len(missing), 3)
        denied = self.wait_records(lambda r: r["eventName"] == "UpdateAccessKey" and r.get("errorCode") == "AccessDenied")
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)

    def test_root_keys(self):
        """Without UserName, the root user's key calls act on the account's root keys."""
        root = self.sandbox.boto3("iam", keys=ROOT)
        key = root.create_access_key()["AccessKey"]
        self.assertNotIn("UserName", key)
        self.assertEqual(key["Status"], "Active")
        listed = root.list_access_keys()["AccessKeyMetadata"]
        self.assertEqual(sorted(k["AccessKeyId"] for k in listed), sorted([ROOT[0], key["AccessKeyId"]]))
        rc, ident = self.sandbox.aws("sts", "get-caller-identity", keys=(key["AccessKeyId"], key["SecretAccessKey"]))
        self.assertEqual(ident["Arn"], f"arn:aws:iam::{ACCOUNT}:root")
        err = self.client_error(root.create_access_key)
        self.assertEqual(err["Error"]["Code"], "LimitExceeded")
        root.update_access_key(AccessKeyId=key["AccessKeyId"], Status="Inactive")
        rc, text = self.sandbox.aws("sts", "get-caller-identity", keys=(key["AccessKeyId"], key["SecretAccessKey"]),
                                    check=False)
        self.assertIn("InvalidClientTokenId", text)
        record = self.wait_records(lambda r: r["eventName"] == "CreateAccessKey" and r["userIdentity"]["type"] == "Root"
                                   and not r.get("errorCode"))
        self.assertIsNone(record[0]["requestParameters"])
        self.assertEqual(record[0]["responseElements"]["accessKey"]["accessKeyId"], key["AccessKeyId"])
        self.assertNotIn(key["SecretAccessKey"], json.dumps(record[0]))

    def test_delete_login_profile(self):
        iam = self.sandbox.boto3("iam")
        rc, out = self.sandbox.aws("iam", "delete-login-profile", "--user-name", "mallory")
        self.assertIsNone(out)
        # Gone: deleting it again fails as AWS does.
        rc, text = self.sandbox.aws("iam", "delete-login-profile", "--user-name", "mallory", check=False)
        self.assertEqual(rc, 254)
        self.assertIn("NoSuchEntity", text)
        self.assertIn("Login Profile for User mallory cannot be found.", text)
        err = self.client_error(iam.delete_login_profile, UserName="carol")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        self.assertEqual(err["Error"]["Message"], "Login Profile for User carol cannot be found.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.client_error(iam.delete_login_profile, UserName="nobody")
        self.assertEqual(err["Error"]["Message"], "The user with name nobody cannot be found.")
        err = self.client_error(self.sandbox.boto3("iam", keys=BOB).delete_login_profile, UserName="alice")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 403)
        # alice's profile survived bob's attempt: the admin can still delete it.
        resp = iam.delete_login_profile(UserName="alice")
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)

        records = self.wait_records(lambda r: r["eventName"] == "DeleteLoginProfile" and not r.get("errorCode"), count=2)
        self.assertEqual(len(records), 2)
        mallory = [r for r in records if r["requestParameters"] == {"userName": "mallory"}][0]
        self.assert_iam_record(mallory, "DeleteLoginProfile", False)
        self.assertIsNone(mallory["responseElements"])
        failed = self.wait_records(lambda r: r["eventName"] == "DeleteLoginProfile" and r.get("errorCode") == "NoSuchEntityException", count=3)
        self.assertEqual(len(failed), 3)
        self.assertIn("Login Profile for User mallory cannot be found.", [r["errorMessage"] for r in failed])
        denied = self.wait_records(lambda r: r["eventName"] == "DeleteLoginProfile" and r.get("errorCode") == "AccessDenied")
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)

    def test_attach_user_policy(self):
        iam = self.sandbox.boto3("iam")
        # carol works until AWSDenyAll is attached to her.
        carol = self.sandbox.boto3("iam", keys=CAROL)
        self.assertEqual(len(carol.list_access_keys(UserName="carol")["AccessKeyMetadata"]), 1)
        rc, out = self.sandbox.aws("iam", "attach-user-policy", "--user-name", "carol", "--policy-arn",
                                   "arn:aws:iam::aws:policy/AWSDenyAll")
        self.assertIsNone(out)
        err = self.client_error(carol.list_access_keys, UserName="carol")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("with an explicit deny", err["Error"]["Message"])
        # Customer-managed policy, twice (idempotent).
        customer = f"arn:aws:iam::{ACCOUNT}:policy/EC2ReadOnly"
        iam.attach_user_policy(UserName="carol", PolicyArn=customer)
        resp = iam.attach_user_policy(UserName="carol", PolicyArn=customer)
        attach_id = resp["ResponseMetadata"]["RequestId"]
        rc, out = self.sandbox.aws("iam", "list-attached-user-policies", "--user-name", "carol")
        self.assertEqual(out["AttachedPolicies"], [
            {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            {"PolicyName": "AWSDenyAll", "PolicyArn": "arn:aws:iam::aws:policy/AWSDenyAll"},
            {"PolicyName": "EC2ReadOnly", "PolicyArn": customer},
        ])
        resp = iam.list_attached_user_policies(UserName="bob")
        self.assertEqual(resp["AttachedPolicies"], [{"PolicyName": "EC2ReadOnly", "PolicyArn": customer}])
        self.assertFalse(resp["IsTruncated"])
        list_id = resp["ResponseMetadata"]["RequestId"]
        page = iam.list_attached_user_policies(UserName="carol", MaxItems=2)
        self.assertTrue(page["IsTruncated"])
        rest = iam.list_attached_user_policies(UserName="carol", Marker=page["Marker"])
        self.assertEqual([p["PolicyName"] for p in rest["AttachedPolicies"]], ["EC2ReadOnly"])
        self.assertEqual(iam.list_attached_user_policies(UserName="carol", PathPrefix="/ir/")["AttachedPolicies"], [])
        err = self.client_error(iam.list_attached_user_policies, UserName="nobody")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        rc, text = self.sandbox.aws("iam", "list-attached-user-policies", "--user-name", "alice", keys=BOB, check=False)
        self.assertIn("AccessDenied", text)
        self.assertIn("iam:ListAttachedUserPolicies", text)

        # Errors.
        err = self.client_error(iam.attach_user_policy, UserName="carol", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        self.assertEqual(err["Error"]["Message"],
                         "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.client_error(iam.attach_user_policy, UserName="carol", PolicyArn="not-an-arn-at-all-really")
        self.assertEqual(err["Error"]["Code"], "InvalidInput")
        err = self.client_error(iam.attach_user_policy, UserName="nobody", PolicyArn=customer)
        self.assertEqual(err["Error"]["Message"], "The user with name nobody cannot be found.")
        rc, text = self.sandbox.aws("iam", "attach-user-policy", "--user-name", "bob", "--policy-arn",
                                    "arn:aws:iam::aws:policy/AdministratorAccess", keys=BOB, check=False)
        self.assertIn("AccessDenied", text)
        self.assertEqual(iam.list_attached_user_policies(UserName="bob")["AttachedPolicies"],
                         [{"PolicyName": "EC2ReadOnly", "PolicyArn": customer}])

        record = self.record_for(attach_id)
        self.assert_iam_record(record, "AttachUserPolicy", False)
        self.assertEqual(record["requestParameters"], {"userName": "carol", "policyArn": customer})
        self.assertIsNone(record["responseElements"])
        record = self.record_for(list_id)
        self.assert_iam_record(record, "ListAttachedUserPolicies", True)
        self.assertEqual(record["requestParameters"], {"userName": "bob"})
        self.assertIsNone(record["responseElements"])
        failed = self.wait_records(lambda r: r["eventName"] == "AttachUserPolicy" and r.get("errorCode") == "NoSuchEntityException", count=2)
        self.assertEqual(len(failed), 2)
        denied = self.wait_records(lambda r: r["eventName"] == "AttachUserPolicy" and r.get("errorCode") == "AccessDenied")
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)
        carol_denied = self.wait_records(lambda r: r["eventName"] == "ListAccessKeys"
                                         and r["userIdentity"]["arn"].endswith("user/carol") and r.get("errorCode"))
        self.assertEqual(carol_denied[0]["errorCode"], "AccessDenied")

    def test_put_user_policy(self):
        iam = self.sandbox.boto3("iam")
        mallory = self.sandbox.boto3("iam", keys=MALLORY)
        self.assertEqual(len(mallory.list_access_keys()["AccessKeyMetadata"]), 1)
        deny = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]})
        rc, out = self.sandbox.aws("iam", "put-user-policy", "--user-name", "mallory", "--policy-name",
                                   "quarantine", "--policy-document", deny)
        self.assertIsNone(out)
        err = self.client_error(mallory.list_access_keys)
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("explicit deny", err["Error"]["Message"])
        # boto3: replace the document (same name) with one that only denies IAM writes.
        narrower = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": ["iam:Create*", "iam:Update*"], "Resource": "*"}]})
        resp = iam.put_user_policy(UserName="mallory", PolicyName="quarantine", PolicyDocument=narrower)
        put_id = resp["ResponseMetadata"]["RequestId"]
        self.assertEqual(len(mallory.list_access_keys()["AccessKeyMetadata"]), 1)  # reads work again
        err = self.client_error(mallory.create_user, UserName="backdoor")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")

        err = self.client_error(iam.put_user_policy, UserName="mallory", PolicyName="bad", PolicyDocument="{not json")
        self.assertEqual(err["Error"]["Code"], "MalformedPolicyDocument")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        no_resource = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*"}]})
        rc, text = self.sandbox.aws("iam", "put-user-policy", "--user-name", "mallory", "--policy-name", "bad",
                                    "--policy-document", no_resource, check=False)
        self.assertEqual(rc, 254)
        self.assertIn("MalformedPolicyDocument", text)
        err = self.client_error(iam.put_user_policy, UserName="nobody", PolicyName="p", PolicyDocument=deny)
        self.assertEqual(err["Error"]["Code"], "NoSuchEntity")
        err = self.client_error(self.sandbox.boto3("iam", keys=BOB).put_user_policy, UserName="bob",
                                PolicyName="escalate", PolicyDocument=deny)
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("iam:PutUserPolicy", err["Error"]["Message"])

        record = self.record_for(put_id)
        self.assert_iam_record(record, "PutUserPolicy", False)
        self.assertEqual(record["requestParameters"],
                         {"userName": "mallory", "policyName": "quarantine", "policyDocument": narrower})
        self.assertIsNone(record["responseElements"])
        malformed = self.wait_records(lambda r: r["eventName"] == "PutUserPolicy"
                                      and r.get("errorCode") == "MalformedPolicyDocumentException", count=2)
        self.assertEqual(len(malformed), 2)
        denied = self.wait_records(lambda r: r["eventName"] == "PutUserPolicy" and r.get("errorCode") == "AccessDenied")
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)


class TrailReadTest(Base):
    def test_describe_trails(self):
        rc, out = self.sandbox.aws("cloudtrail", "describe-trails")
        self.assertEqual(len(out["trailList"]), 1)
        trail = out["trailList"][0]
        self.assertEqual(trail["Name"], "management-events")
        self.assertEqual(trail["TrailARN"], TRAIL_ARN)
        self.assertEqual(trail["S3BucketName"], "org-cloudtrail-logs")
        self.assertEqual(trail["HomeRegion"], "us-east-1")
        self.assertTrue(trail["IsMultiRegionTrail"])
        self.assertTrue(trail["IncludeGlobalServiceEvents"])
        self.assertTrue(trail["LogFileValidationEnabled"])
        self.assertFalse(trail["IsOrganizationTrail"])
        self.assertFalse(trail["HasCustomEventSelectors"])
        self.assertNotIn("S3KeyPrefix", trail)
        # us-west-2 sees its own trail and the shadow of the multi-region one.
        west = self.sandbox.boto3("cloudtrail", region="us-west-2")
        names = sorted(t["Name"] for t in west.describe_trails()["trailList"])
        self.assertEqual(names, ["management-events", "west-trail"])
        resp = west.describe_trails(includeShadowTrails=False)
        self.assertEqual([t["Name"] for t in resp["trailList"]], ["west-trail"])
        self.assertEqual(resp["trailList"][0]["S3KeyPrefix"], "west")
        self.assertFalse(resp["trailList"][0]["IsMultiRegionTrail"])
        # From us-east-1, another region's trail needs its ARN; unknown names are left out.
        east = self.sandbox.boto3("cloudtrail")
        self.assertEqual(east.describe_trails(trailNameList=["west-trail"])["trailList"], [])
        resp = east.describe_trails(trailNameList=[WEST_ARN, "management-events", "nope"])
        self.assertEqual(sorted(t["TrailARN"] for t in resp["trailList"]), [TRAIL_ARN, WEST_ARN])
        list_id = resp["ResponseMetadata"]["RequestId"]
        err = self.client_error(self.sandbox.boto3("cloudtrail", keys=BOB).describe_trails)
        self.assertEqual(err["Error"]["Code"], "AccessDeniedException")
        rc, text = self.sandbox.aws("cloudtrail", "describe-trails", keys=BOB, check=False)
        self.assertIn("AccessDeniedException", text)

        record = self.record_for(list_id)
        self.assertEqual(record["eventSource"], "cloudtrail.amazonaws.com")
        self.assertEqual(record["eventName"], "DescribeTrails")
        self.assertEqual(record["awsRegion"], "us-east-1")
        self.assertTrue(record["readOnly"])
        self.assertEqual(record["requestParameters"], {"trailNameList": [WEST_ARN, "management-events", "nope"]})
        self.assertIsNone(record["responseElements"])
        self.assertEqual(record["userIdentity"]["arn"], ALICE_ARN)
        # us-west-2 calls reach the multi-region trail too.
        west_records = self.wait_records(lambda r: r["eventName"] == "DescribeTrails" and r["awsRegion"] == "us-west-2", count=2)
        self.assertEqual(len(west_records), 2)
        denied = self.wait_records(lambda r: r["eventName"] == "DescribeTrails"
                                   and r.get("errorCode") == "AccessDeniedException", count=2)
        self.assertEqual(len(denied), 2)
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)

    def test_get_trail_status(self):
        rc, out = self.sandbox.aws("cloudtrail", "get-trail-status", "--name", "management-events")
        self.assertTrue(out["IsLogging"])
        self.assertIn("StartLoggingTime", out)
        self.assertNotIn("StopLoggingTime", out)
        self.assertRegex(out["TimeLoggingStarted"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        resp = self.sandbox.boto3("cloudtrail", region="us-west-2").get_trail_status(Name="west-trail")
        self.assertFalse(resp["IsLogging"])
        self.assertIn("StopLoggingTime", resp)
        resp = self.sandbox.boto3("cloudtrail").get_trail_status(Name=TRAIL_ARN)
        self.assertTrue(resp["IsLogging"])
        status_id = resp["ResponseMetadata"]["RequestId"]
        err = self.client_error(self.sandbox.boto3("cloudtrail").get_trail_status, Name="nope")
        self.assertEqual(err["Error"]["Code"], "TrailNotFoundException")
        self.assertEqual(err["Error"]["Message"], f"Unknown trail: nope for the user: {ACCOUNT}")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        missing_id = err["ResponseMetadata"]["RequestId"]
        rc, text = self.sandbox.aws("cloudtrail", "get-trail-status", "--name", "management-events", keys=BOB,
                                    check=False)
        self.assertEqual(rc, 254)
        self.assertIn("AccessDeniedException", text)
        self.assertIn("cloudtrail:GetTrailStatus", text)

        record = self.record_for(status_id)
        self.assertEqual(record["eventName"], "GetTrailStatus")
        self.assertEqual(record["eventSource"], "cloudtrail.amazonaws.com")
        self.assertTrue(record["readOnly"])
        self.assertEqual(record["requestParameters"], {"name": TRAIL_ARN})
        self.assertIsNone(record["responseElements"])
        record = self.record_for(missing_id)
        self.assertEqual(record["errorCode"], "TrailNotFoundException")
        self.assertEqual(record["errorMessage"], f"Unknown trail: nope for the user: {ACCOUNT}")
        denied = self.wait_records(lambda r: r["eventName"] == "GetTrailStatus"
                                   and r.get("errorCode") == "AccessDeniedException")
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)


class TrailLoggingTest(Base):
    """StopLogging really stops recording; StartLogging resumes it."""

    def marker(self):
        """A recorded-if-logging call; returns its request id."""
        return self.sandbox.boto3("iam").list_access_keys(UserName="bob")["ResponseMetadata"]["RequestId"]

    def test_stop_and_start_logging(self):
        ct = self.sandbox.boto3("cloudtrail")
        before = self.marker()
        self.assertEqual(self.record_for(before)["eventName"], "ListAccessKeys")

        # Errors first, while the trail still records them.
        err = self.client_error(ct.stop_logging, Name="nope")
        self.assertEqual(err["Error"]["Code"], "TrailNotFoundException")
        self.assertEqual(err["Error"]["Message"], f"Unknown trail: nope for the user: {ACCOUNT}")
        not_found_id = err["ResponseMetadata"]["RequestId"]
        rc, text = self.sandbox.aws("cloudtrail", "stop-logging", "--name", "management-events", keys=BOB, check=False)
        self.assertEqual(rc, 254)
        self.assertIn("AccessDeniedException", text)
        self.assertIn("cloudtrail:StopLogging", text)
        self.assertTrue(ct.get_trail_status(Name="management-events")["IsLogging"])  # bob did not stop it
        # A multi-region trail is stopped from its home region only.
        err = self.client_error(self.sandbox.boto3("cloudtrail", region="us-west-2").stop_logging,
                                Name="management-events")
        self.assertEqual(err["Error"]["Code"], "InvalidHomeRegionException")
        record = self.record_for(not_found_id)
        self.assertEqual(record["eventName"], "StopLogging")
        self.assertEqual(record["errorCode"], "TrailNotFoundException")
        self.assertEqual(record["requestParameters"], {"name": "nope"})
        denied = self.wait_records(lambda r: r["eventName"] == "StopLogging"
                                   and r.get("errorCode") == "AccessDeniedException")
        self.assertEqual(denied[0]["userIdentity"]["arn"], BOB_ARN)

        # awscli stops the trail.
        rc, out = self.sandbox.aws("cloudtrail", "stop-logging", "--name", "management-events")
        self.assertIsNone(out)
        status = ct.get_trail_status(Name="management-events")
        self.assertFalse(status["IsLogging"])
        self.assertIn("StopLoggingTime", status)
        self.assertIn("TimeLoggingStopped", status)
        while_stopped = self.marker()

        # boto3 starts it again (by ARN).
        resp = ct.start_logging(Name=TRAIL_ARN)
        start_id = resp["ResponseMetadata"]["RequestId"]
        rc, out = self.sandbox.aws("cloudtrail", "get-trail-status", "--name", "management-events")
        self.assertTrue(out["IsLogging"])
        after = self.marker()
        self.assertEqual(self.record_for(after)["eventName"], "ListAccessKeys")
        # Written in order: once `after` is on disk, the call made while stopped would be too.
        ids = [r.get("requestID") for r in self.sandbox.records()]
        self.assertNotIn(while_stopped, ids)
        start = self.record_for(start_id)
        self.assertEqual(start["eventSource"], "cloudtrail.amazonaws.com")
        self.assertFalse(start["readOnly"])
        self.assertEqual(start["requestParameters"], {"name": TRAIL_ARN})
        self.assertIsNone(start["responseElements"])
        self.assertEqual(start["userIdentity"]["arn"], ALICE_ARN)

        # boto3 stop, awscli start: the same again.
        ct.stop_logging(Name="management-events")
        while_stopped2 = self.marker()
        self.sandbox.aws("cloudtrail", "start-logging", "--name", "management-events")
        after2 = self.marker()
        self.record_for(after2)
        self.assertNotIn(while_stopped2, [r.get("requestID") for r in self.sandbox.records()])
        # StartLogging on a stopped single-region trail from its home region.
        west = self.sandbox.boto3("cloudtrail", region="us-west-2")
        west.start_logging(Name="west-trail")
        self.assertTrue(west.get_trail_status(Name="west-trail")["IsLogging"])

    def test_stop_logging_call_is_recorded(self):
        """AWS records the StopLogging call itself in the trail it stops."""
        ct = self.sandbox.boto3("cloudtrail")
        ct.start_logging(Name="management-events")
        stop_id = ct.stop_logging(Name="management-events")["ResponseMetadata"]["RequestId"]
        ct.start_logging(Name="management-events")
        record = self.record_for(stop_id)
        self.assertEqual(record["eventName"], "StopLogging")
        self.assertFalse(record["readOnly"])
        self.assertEqual(record["requestParameters"], {"name": "management-events"})
        self.assertIsNone(record["responseElements"])


if __name__ == "__main__":
    unittest.main()
