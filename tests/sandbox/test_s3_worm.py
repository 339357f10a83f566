"""S3 write-once (WORM) operations of `firebreak sandbox`, driven by Debian's boto3 and awscli v2.

What the evidence vault's S3 backend relies on: conditional PutObject (If-None-Match: *),
DeleteObject (delete markers; a locked version refused: COMPLIANCE and legal holds always,
GOVERNANCE unless the bypass header comes from a caller allowed s3:BypassGovernanceRetention),
Put/GetObjectRetention (extend always, shorten or change mode only as S3 allows), HeadObject and
GetObject of versions and delete markers, CreateBucket with Object Lock, the bucket's Object Lock
configuration, ListObjectVersions, and the CloudTrail record of each refusal.

The world is written by this file: alice is an administrator, carol may do anything in S3 except
s3:BypassGovernanceRetention, bob only reads. Every secret below is fake.

Run: FIREBREAK_BIN=build/<dir>/apps/firebreak/firebreak /usr/bin/python3 -m unittest \
     tests/sandbox/test_s3_worm.py -v
"""
import datetime
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox_fixture import ALICE, BOB, SandboxTestCase  # noqa: E402

CAROL = ("AKIAEXAMPLECAROL0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLECARO")
ACCOUNT = "111111111111"
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
CAROL_ARN = f"arn:aws:iam::{ACCOUNT}:user/carol"
VAULT = "worm-vault"            # Object Lock, no default retention
DEFAULT_VAULT = "worm-default"  # Object Lock, GOVERNANCE 1 day by default
PLAIN = "plain-data"            # unversioned
VERSIONED = "versioned-data"    # versioning Enabled, no Object Lock
LOCKED_MESSAGE = "Access Denied because object protected by object lock."
FAR = datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)
FARTHER = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
NEARER = datetime.datetime(2098, 1, 1, tzinfo=datetime.timezone.utc)

WORLD = f"""
version: 1
name: test-s3-worm
seed: 4343
time: 2026-11-01T08:00:00Z
accounts:
  - id: "{ACCOUNT}"
    alias: acme-prod
    iam:
      users:
        - name: alice
          access_keys: [{{id: {ALICE[0]}, secret: {ALICE[1]}}}]
          attached_policies: [AdministratorAccess]
        - name: carol
          access_keys: [{{id: {CAROL[0]}, secret: {CAROL[1]}}}]
          inline_policies:
            s3-without-bypass: |
              {{"Version": "2012-10-17",
               "Statement": [{{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}},
                             {{"Effect": "Deny", "Action": "s3:BypassGovernanceRetention",
                               "Resource": "*"}}]}}
        - name: bob
          access_keys: [{{id: {BOB[0]}, secret: {BOB[1]}}}]
          inline_policies:
            read: |
              {{"Version": "2012-10-17",
               "Statement": [{{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
                              "Resource": "*"}}]}}
    regions:
      us-east-1:
        trails:
          - name: all-events
            bucket: acme-trail-logs
            multi_region: true
            event_selectors:
              - read_write: All
                management_events: true
                data_resources:
                  - {{type: "AWS::S3::Object", values: ["arn:aws:s3"]}}
    buckets:
      - name: acme-trail-logs
      - name: {VAULT}
        object_lock: true
        objects:
          - {{key: sealed/compliance.bin, content: "sealed\\n", lock_mode: COMPLIANCE,
             retain_until: 2099-01-01T00:00:00Z}}
          - {{key: sealed/held.bin, content: "held\\n", legal_hold: true}}
      - name: {DEFAULT_VAULT}
        object_lock: {{mode: GOVERNANCE, days: 1}}
      - name: {PLAIN}
        objects:
          - {{key: a.txt, content: "alpha\\n"}}
      - name: {VERSIONED}
        versioning: Enabled
  - id: "222222222222"
    alias: partner
    buckets:
      - name: partner-bucket
"""

WORLD_DIR = tempfile.mkdtemp(prefix="fb-worm-world-")
WORLD_PATH = os.path.join(WORLD_DIR, "test-s3-worm.yaml")
with open(WORLD_PATH, "w") as world_file:
    world_file.write(WORLD)


class S3WormTest(SandboxTestCase):
    world = WORLD_PATH  # absolute: the fixture's examples/worlds prefix does not apply

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(WORLD_DIR, ignore_errors=True)

    # ---- helpers -------------------------------------------------------------------------------

    def s3(self, keys=ALICE, region="us-east-1", if_none_match=False):
        """A boto3 S3 client, one per (keys, region, condition) for the class's sandbox."""
        cache = self.__class__.__dict__.get("_clients")
        if cache is None:
            cache = self.__class__._clients = {}
        if (keys, region, if_none_match) not in cache:
            client = self.sandbox.boto3("s3", keys=keys, region=region)
            if if_none_match:
                # boto3 1.26 predates PutObject's IfNoneMatch: add the header before signing.
                def add_condition(request, **_):
                    request.headers["If-None-Match"] = "*"
                client.meta.events.register("before-sign.s3.PutObject", add_condition)
            cache[(keys, region, if_none_match)] = client
        return cache[(keys, region, if_none_match)]

    def client_error(self, fn, **kwargs):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            fn(**kwargs)
        return ctx.exception.response

    def assert_error(self, response, code, status, message=None):
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status, response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message, response)

    def put_locked(self, key, mode, until=FAR, body=b"evidence", bucket=VAULT):
        return self.s3().put_object(Bucket=bucket, Key=key, Body=body, ObjectLockMode=mode,
                                    ObjectLockRetainUntilDate=until)["VersionId"]

    def records_where(self, name, predicate):
        found = self.records_named(name, predicate)
        self.assertTrue(found, f"no {name} record matched")
        return found

    # ---- PutObject If-None-Match ---------------------------------------------------------------

    def test_if_none_match_writes_only_new_keys(self):
        cond = self.s3(if_none_match=True)
        first = cond.put_object(Bucket=VAULT, Key="cas/aa11", Body=b"first")
        self.assertTrue(first["VersionId"])
        err = self.client_error(cond.put_object, Bucket=VAULT, Key="cas/aa11", Body=b"second")
        self.assert_error(err, "PreconditionFailed", 412,
                          "At least one of the pre-conditions you specified did not hold")
        got = self.s3().get_object(Bucket=VAULT, Key="cas/aa11")
        self.assertEqual(got["Body"].read(), b"first")
        self.assertEqual(got["VersionId"], first["VersionId"])
        # An existing object in an unversioned bucket too.
        err = self.client_error(cond.put_object, Bucket=PLAIN, Key="a.txt", Body=b"over")
        self.assert_error(err, "PreconditionFailed", 412)
        self.assertEqual(self.s3().get_object(Bucket=PLAIN, Key="a.txt")["Body"].read(), b"alpha\n")
        # A delete marker is no current version: the key can be written again.
        self.s3().put_object(Bucket=VERSIONED, Key="gone.txt", Body=b"v1")
        self.s3().delete_object(Bucket=VERSIONED, Key="gone.txt")
        again = cond.put_object(Bucket=VERSIONED, Key="gone.txt", Body=b"v2")
        self.assertTrue(again["VersionId"])
        record = self.records_where("PutObject", lambda r: r.get("errorCode") == "PreconditionFailed"
                                    and r["requestParameters"]["key"] == "cas/aa11")[0]
        self.assertEqual(record["eventCategory"], "Data")
        self.assertEqual(record["userIdentity"]["arn"], ALICE_ARN)

    # ---- DeleteObject --------------------------------------------------------------------------

    def test_delete_without_version_adds_a_marker_even_when_locked(self):
        s3 = self.s3()
        version = self.put_locked("case-1/disk.img", "COMPLIANCE", body=b"disk image")
        deleted = s3.delete_object(Bucket=VAULT, Key="case-1/disk.img")
        self.assertTrue(deleted["DeleteMarker"])
        marker = deleted["VersionId"]
        self.assertNotEqual(marker, version)
        err = self.client_error(s3.get_object, Bucket=VAULT, Key="case-1/disk.img")
        self.assert_error(err, "NoSuchKey", 404)
        self.assertEqual(err["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        err = self.client_error(s3.head_object, Bucket=VAULT, Key="case-1/disk.img")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.client_error(s3.head_object, Bucket=VAULT, Key="case-1/disk.img", VersionId=marker)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 405)
        err = self.client_error(s3.get_object, Bucket=VAULT, Key="case-1/disk.img", VersionId=marker)
        self.assert_error(err, "MethodNotAllowed", 405)
        # The locked version is untouched and readable by id.
        old = s3.get_object(Bucket=VAULT, Key="case-1/disk.img", VersionId=version)
        self.assertEqual(old["Body"].read(), b"disk image")
        head = s3.head_object(Bucket=VAULT, Key="case-1/disk.img", VersionId=version)
        self.assertEqual(head["ObjectLockMode"], "COMPLIANCE")
        self.assertEqual(head["ContentLength"], len(b"disk image"))
        # The listing hides the key; the version listing shows both entries, newest first.
        listed = s3.list_objects_v2(Bucket=VAULT, Prefix="case-1/")
        self.assertEqual(listed["KeyCount"], 0)
        versions = s3.list_object_versions(Bucket=VAULT, Prefix="case-1/")
        self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in versions["DeleteMarkers"]],
                         [(marker, True)])
        self.assertEqual([(v["VersionId"], v["IsLatest"], v["Size"]) for v in versions["Versions"]],
                         [(version, False, len(b"disk image"))])
        # Removing the delete marker brings the object back.
        undone = s3.delete_object(Bucket=VAULT, Key="case-1/disk.img", VersionId=marker)
        self.assertTrue(undone["DeleteMarker"])
        self.assertEqual(undone["VersionId"], marker)
        self.assertEqual(s3.get_object(Bucket=VAULT, Key="case-1/disk.img")["Body"].read(),
                         b"disk image")
        record = self.records_where("DeleteObject", lambda r: r["requestParameters"]["key"] == "case-1/disk.img"
                                    and "versionId" not in r["requestParameters"])[0]
        self.assertEqual(record["eventCategory"], "Data")
        self.assertFalse(record["readOnly"])
        self.assertEqual(record["responseElements"], {"x-amz-delete-marker": "true",
                                                      "x-amz-version-id": marker})
        self.assertIn({"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{VAULT}/case-1/disk.img"},
                      [{k: v for k, v in r.items() if k != "accountId"} for r in record["resources"]])

    def test_compliance_version_cannot_be_deleted_by_anyone(self):
        version = self.put_locked("case-2/log.gz", "COMPLIANCE")
        for keys in (ALICE, CAROL):
            for bypass in (False, True):
                err = self.client_error(self.s3(keys=keys).delete_object, Bucket=VAULT,
                                        Key="case-2/log.gz", VersionId=version,
                                        BypassGovernanceRetention=bypass)
                self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        self.assertEqual(self.s3().get_object(Bucket=VAULT, Key="case-2/log.gz")["VersionId"], version)
        # The world's sealed object, through awscli.
        head = self.sandbox.aws("s3api", "head-object", "--bucket", VAULT, "--key", "sealed/compliance.bin")[1]
        code, stderr = self.sandbox.aws("s3api", "delete-object", "--bucket", VAULT, "--key",
                                        "sealed/compliance.bin", "--version-id", head["VersionId"],
                                        "--bypass-governance-retention", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("AccessDenied", stderr)
        self.assertIn(LOCKED_MESSAGE, stderr)
        record = self.records_where("DeleteObject", lambda r: r.get("errorCode") == "AccessDenied"
                                    and r["requestParameters"].get("versionId") == version)[0]
        self.assertEqual(record["errorMessage"], LOCKED_MESSAGE)
        self.assertEqual(record["eventCategory"], "Data")
        self.assertIsNone(record["responseElements"])

    def test_governance_version_needs_bypass_and_permission(self):
        version = self.put_locked("case-3/mem.lime", "GOVERNANCE", body=b"memory")
        # No bypass header: refused for everyone.
        for keys in (ALICE, CAROL):
            err = self.client_error(self.s3(keys=keys).delete_object, Bucket=VAULT,
                                    Key="case-3/mem.lime", VersionId=version)
            self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        # The header without s3:BypassGovernanceRetention: refused, naming the permission.
        err = self.client_error(self.s3(keys=CAROL).delete_object, Bucket=VAULT, Key="case-3/mem.lime",
                                VersionId=version, BypassGovernanceRetention=True)
        self.assert_error(err, "AccessDenied", 403)
        self.assertIn("s3:BypassGovernanceRetention", err["Error"]["Message"])
        self.assertEqual(self.s3().get_object(Bucket=VAULT, Key="case-3/mem.lime",
                                              VersionId=version)["Body"].read(), b"memory")
        # bob may not delete at all.
        err = self.client_error(self.s3(keys=BOB).delete_object, Bucket=VAULT, Key="case-3/mem.lime",
                                VersionId=version, BypassGovernanceRetention=True)
        self.assert_error(err, "AccessDenied", 403)
        self.assertIn("s3:DeleteObjectVersion", err["Error"]["Message"])
        # Both: the version goes for good.
        deleted = self.s3().delete_object(Bucket=VAULT, Key="case-3/mem.lime", VersionId=version,
                                          BypassGovernanceRetention=True)
        self.assertEqual(deleted["VersionId"], version)
        self.assertNotIn("DeleteMarker", deleted)
        err = self.client_error(self.s3().get_object, Bucket=VAULT, Key="case-3/mem.lime",
                                VersionId=version)
        self.assert_error(err, "NoSuchVersion", 404)
        record = self.records_where("DeleteObject", lambda r: r.get("errorCode") == "AccessDenied"
                                    and r["userIdentity"]["arn"] == CAROL_ARN
                                    and "BypassGovernanceRetention" in r["errorMessage"])[0]
        self.assertEqual(record["requestParameters"]["versionId"], version)

    def test_legal_hold_refuses_even_without_retention(self):
        s3 = self.s3()
        held = s3.head_object(Bucket=VAULT, Key="sealed/held.bin")
        self.assertEqual(held["ObjectLockLegalHoldStatus"], "ON")
        err = self.client_error(s3.delete_object, Bucket=VAULT, Key="sealed/held.bin",
                                VersionId=held["VersionId"], BypassGovernanceRetention=True)
        self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        self.assertEqual(s3.get_object(Bucket=VAULT, Key="sealed/held.bin")["Body"].read(), b"held\n")

    def test_unlocked_version_and_unversioned_object_are_deleted(self):
        s3 = self.s3()
        version = s3.put_object(Bucket=VERSIONED, Key="scratch.txt", Body=b"scratch")["VersionId"]
        self.assertEqual(s3.delete_object(Bucket=VERSIONED, Key="scratch.txt",
                                          VersionId=version)["VersionId"], version)
        self.assertNotIn("Versions", s3.list_object_versions(Bucket=VERSIONED, Prefix="scratch.txt"))
        s3.put_object(Bucket=PLAIN, Key="tmp.txt", Body=b"tmp")
        deleted = s3.delete_object(Bucket=PLAIN, Key="tmp.txt")
        self.assertNotIn("DeleteMarker", deleted)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assert_error(self.client_error(s3.get_object, Bucket=PLAIN, Key="tmp.txt"), "NoSuchKey", 404)
        # Deleting what is not there succeeds, as in S3.
        self.assertEqual(s3.delete_object(Bucket=PLAIN, Key="tmp.txt")["ResponseMetadata"]["HTTPStatusCode"], 204)

    # ---- Object retention ----------------------------------------------------------------------

    def test_retention_extends_but_only_shortens_with_bypass(self):
        version = self.put_locked("case-4/ret.bin", "GOVERNANCE")
        carol = self.s3(keys=CAROL)
        got = carol.get_object_retention(Bucket=VAULT, Key="case-4/ret.bin")["Retention"]
        self.assertEqual(got, {"Mode": "GOVERNANCE", "RetainUntilDate": FAR})
        # Extending is always allowed, even without the bypass permission.
        carol.put_object_retention(Bucket=VAULT, Key="case-4/ret.bin", VersionId=version,
                                   Retention={"Mode": "GOVERNANCE", "RetainUntilDate": FARTHER})
        # Shortening: refused without the header, and without the permission.
        err = self.client_error(self.s3().put_object_retention, Bucket=VAULT, Key="case-4/ret.bin",
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": NEARER})
        self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        err = self.client_error(carol.put_object_retention, Bucket=VAULT, Key="case-4/ret.bin",
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": NEARER},
                                BypassGovernanceRetention=True)
        self.assert_error(err, "AccessDenied", 403)
        self.assertIn("s3:BypassGovernanceRetention", err["Error"]["Message"])
        self.assertEqual(carol.get_object_retention(Bucket=VAULT, Key="case-4/ret.bin")["Retention"]
                         ["RetainUntilDate"], FARTHER)
        # With both it works, and GOVERNANCE may become COMPLIANCE.
        self.s3().put_object_retention(Bucket=VAULT, Key="case-4/ret.bin",
                                       Retention={"Mode": "GOVERNANCE", "RetainUntilDate": NEARER},
                                       BypassGovernanceRetention=True)
        self.s3().put_object_retention(Bucket=VAULT, Key="case-4/ret.bin",
                                       Retention={"Mode": "COMPLIANCE", "RetainUntilDate": NEARER},
                                       BypassGovernanceRetention=True)
        head = self.s3().head_object(Bucket=VAULT, Key="case-4/ret.bin")
        self.assertEqual((head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]), ("COMPLIANCE", NEARER))
        # COMPLIANCE: extend yes; shorten or weaken never.
        self.s3().put_object_retention(Bucket=VAULT, Key="case-4/ret.bin",
                                       Retention={"Mode": "COMPLIANCE", "RetainUntilDate": FAR})
        for retention in ({"Mode": "COMPLIANCE", "RetainUntilDate": NEARER},
                          {"Mode": "GOVERNANCE", "RetainUntilDate": FARTHER}):
            err = self.client_error(self.s3().put_object_retention, Bucket=VAULT, Key="case-4/ret.bin",
                                    Retention=retention, BypassGovernanceRetention=True)
            self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        err = self.client_error(self.s3().put_object_retention, Bucket=VAULT, Key="case-4/ret.bin",
                                Retention={}, BypassGovernanceRetention=True)
        self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        got = self.s3().get_object_retention(Bucket=VAULT, Key="case-4/ret.bin", VersionId=version)
        self.assertEqual(got["Retention"], {"Mode": "COMPLIANCE", "RetainUntilDate": FAR})
        record = self.records_where("PutObjectRetention", lambda r: r.get("errorCode") == "AccessDenied"
                                    and r["userIdentity"]["arn"] == ALICE_ARN)[0]
        self.assertEqual(record["eventCategory"], "Data")
        self.assertEqual(record["requestParameters"]["key"], "case-4/ret.bin")
        self.assertIn("retention", record["requestParameters"])

    def test_retention_errors(self):
        s3 = self.s3()
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        self.put_locked("case-5/x.bin", "GOVERNANCE")
        err = self.client_error(s3.put_object_retention, Bucket=VAULT, Key="case-5/x.bin",
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": past})
        self.assert_error(err, "InvalidArgument", 400)
        err = self.client_error(s3.put_object_retention, Bucket=PLAIN, Key="a.txt",
                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": FAR})
        self.assert_error(err, "InvalidRequest", 400, "Bucket is missing Object Lock Configuration")
        err = self.client_error(s3.get_object_retention, Bucket=VAULT, Key="sealed/held.bin")
        self.assert_error(err, "NoSuchObjectLockConfiguration", 404)
        err = self.client_error(s3.get_object_retention, Bucket=VAULT, Key="case-5/none.bin")
        self.assert_error(err, "NoSuchKey", 404)
        # A version without retention gets one (the vault's late sealing), through awscli.
        version = s3.put_object(Bucket=VAULT, Key="case-5/late.bin", Body=b"late")["VersionId"]
        self.sandbox.aws("s3api", "put-object-retention", "--bucket", VAULT, "--key", "case-5/late.bin",
                         "--version-id", version, "--retention",
                         '{"Mode":"COMPLIANCE","RetainUntilDate":"2099-01-01T00:00:00Z"}')
        _, got = self.sandbox.aws("s3api", "get-object-retention", "--bucket", VAULT,
                                  "--key", "case-5/late.bin")
        self.assertEqual(got["Retention"]["Mode"], "COMPLIANCE")
        self.assertTrue(got["Retention"]["RetainUntilDate"].startswith("2099-01-01T00:00:00"))

    # ---- Buckets -------------------------------------------------------------------------------

    def test_create_bucket_with_object_lock(self):
        s3 = self.s3()
        created = s3.create_bucket(Bucket="new-vault", ObjectLockEnabledForBucket=True)
        self.assertEqual(created["Location"], "/new-vault")
        self.assertEqual(s3.get_object_lock_configuration(Bucket="new-vault")["ObjectLockConfiguration"],
                         {"ObjectLockEnabled": "Enabled"})
        s3.put_object_lock_configuration(Bucket="new-vault", ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}})
        config = s3.get_object_lock_configuration(Bucket="new-vault")["ObjectLockConfiguration"]
        self.assertEqual(config["Rule"]["DefaultRetention"], {"Mode": "COMPLIANCE", "Days": 1})
        put = s3.put_object(Bucket="new-vault", Key="k", Body=b"v")
        self.assertTrue(put["VersionId"])  # Object Lock turned versioning on
        self.assertEqual(s3.head_object(Bucket="new-vault", Key="k")["ObjectLockMode"], "COMPLIANCE")
        err = self.client_error(s3.delete_object, Bucket="new-vault", Key="k", VersionId=put["VersionId"])
        self.assert_error(err, "AccessDenied", 403, LOCKED_MESSAGE)
        # Names that exist, names S3 refuses, regions that do not match.
        err = self.client_error(s3.create_bucket, Bucket="new-vault")
        self.assert_error(err, "BucketAlreadyOwnedByYou", 409)
        err = self.client_error(s3.create_bucket, Bucket="partner-bucket")
        self.assert_error(err, "BucketAlreadyExists", 409)
        err = self.client_error(s3.create_bucket, Bucket="ab")
        self.assert_error(err, "InvalidBucketName", 400)
        err = self.client_error(s3.create_bucket, Bucket="eu-vault",
                                CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assert_error(err, "IllegalLocationConstraintException", 400)
        err = self.client_error(self.s3(keys=BOB).create_bucket, Bucket="bobs-bucket")
        self.assert_error(err, "AccessDenied", 403)
        eu = self.s3(region="eu-west-1")
        eu.create_bucket(Bucket="eu-vault", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        # The bucket lives in eu-west-1 (botocore would follow S3's region error from elsewhere).
        self.assertIn("ETag", eu.put_object(Bucket="eu-vault", Key="k", Body=b"v"))
        # awscli, and the CloudTrail record (a management event).
        _, out = self.sandbox.aws("s3api", "create-bucket", "--bucket", "cli-vault",
                                  "--object-lock-enabled-for-bucket")
        self.assertEqual(out["Location"], "/cli-vault")
        record = self.records_where("CreateBucket", lambda r: r["requestParameters"]["bucketName"] == "new-vault"
                                    and "errorCode" not in r)[0]
        self.assertEqual(record["eventCategory"], "Management")
        self.assertTrue(record["managementEvent"])
        # As the client sent it (botocore writes "True").
        self.assertEqual(record["requestParameters"]["x-amz-bucket-object-lock-enabled"].lower(), "true")
        record = self.records_where("CreateBucket", lambda r: r["requestParameters"]["bucketName"] == "eu-vault"
                                    and "errorCode" not in r)[0]
        self.assertEqual(record["awsRegion"], "eu-west-1")
        self.assertEqual(record["requestParameters"]["CreateBucketConfiguration"]["LocationConstraint"],
                         "eu-west-1")

    def test_object_lock_configuration_of_other_buckets(self):
        s3 = self.s3()
        err = self.client_error(s3.get_object_lock_configuration, Bucket=PLAIN)
        self.assert_error(err, "ObjectLockConfigurationNotFoundError", 404)
        err = self.client_error(s3.put_object_lock_configuration, Bucket=PLAIN,
                                ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
        self.assert_error(err, "InvalidBucketState", 409)
        config = s3.get_object_lock_configuration(Bucket=DEFAULT_VAULT)["ObjectLockConfiguration"]
        self.assertEqual(config["Rule"]["DefaultRetention"], {"Mode": "GOVERNANCE", "Days": 1})
        err = self.client_error(s3.put_object_lock_configuration, Bucket=DEFAULT_VAULT,
                                ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
                                    "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}})
        self.assert_error(err, "InvalidArgument", 400)
        err = self.client_error(s3.put_object_lock_configuration, Bucket=DEFAULT_VAULT,
                                ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
                                    "DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1, "Years": 1}}})
        self.assert_error(err, "MalformedXML", 400)

    # ---- ListObjectVersions --------------------------------------------------------------------

    def test_list_object_versions_pages_newest_first(self):
        s3 = self.s3()
        ids = [s3.put_object(Bucket=VERSIONED, Key="hist/a", Body=b"a%d" % i)["VersionId"]
               for i in range(3)]
        other = s3.put_object(Bucket=VERSIONED, Key="hist/b", Body=b"b")["VersionId"]
        page = s3.list_object_versions(Bucket=VERSIONED, Prefix="hist/", MaxKeys=2)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual([v["VersionId"] for v in page["Versions"]], [ids[2], ids[1]])
        self.assertEqual([v["IsLatest"] for v in page["Versions"]], [True, False])
        self.assertEqual((page["NextKeyMarker"], page["NextVersionIdMarker"]), ("hist/a", ids[1]))
        rest = s3.list_object_versions(Bucket=VERSIONED, Prefix="hist/", MaxKeys=2,
                                       KeyMarker=page["NextKeyMarker"],
                                       VersionIdMarker=page["NextVersionIdMarker"])
        self.assertFalse(rest["IsTruncated"])
        self.assertEqual([(v["Key"], v["VersionId"], v["IsLatest"]) for v in rest["Versions"]],
                         [("hist/a", ids[0], False), ("hist/b", other, True)])
        after_a = s3.list_object_versions(Bucket=VERSIONED, Prefix="hist/", KeyMarker="hist/a")
        self.assertEqual([v["VersionId"] for v in after_a["Versions"]], [other])
        err = self.client_error(self.s3(keys=BOB).list_object_versions, Bucket="partner-bucket")
        self.assert_error(err, "AccessDenied", 403)


if __name__ == "__main__":
    unittest.main()
