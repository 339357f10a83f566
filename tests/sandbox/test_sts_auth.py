"""STS and authentication against the sandbox, with Debian's awscli v2 and boto3: signatures are
verified against the world's keys, AssumeRole works across accounts (central security account ->
member account) and is recorded in both accounts with a shared event id."""
import subprocess
import unittest

from sandbox_fixture import ALICE, AWS, Sandbox, SandboxTestCase

RESPONDER = ("AKIAEXAMPLERESPOND01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLERESP")
AUDITOR = ("AKIAEXAMPLEAUDITOR01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEAUDI")
ROLE = "arn:aws:iam::111111111111:role/FirebreakResponder"


class Authentication(SandboxTestCase):
    def test_awscli_and_boto3_signatures_verify(self):
        _, ident = self.sandbox.aws("sts", "get-caller-identity")
        self.assertEqual(ident["Arn"], "arn:aws:iam::111111111111:user/alice")
        self.assertEqual(ident["Account"], "111111111111")
        self.assertEqual(self.sandbox.boto3("sts").get_caller_identity()["Arn"],
                         "arn:aws:iam::111111111111:user/alice")

    def test_wrong_secret_is_signature_does_not_match(self):
        code, err = self.sandbox.aws("sts", "get-caller-identity", keys=(ALICE[0], "not-the-secret"), check=False)
        self.assertEqual(code, 254)
        self.assertIn("SignatureDoesNotMatch", err)

    def test_unknown_key_is_invalid_client_token_id(self):
        code, err = self.sandbox.aws("sts", "get-caller-identity", keys=("AKIAUNKNOWNKEY000000", "x"), check=False)
        self.assertEqual(code, 254)
        self.assertIn("InvalidClientTokenId", err)
        code, err = self.sandbox.aws("ec2", "describe-instances", keys=("AKIAUNKNOWNKEY000000", "x"), check=False)
        self.assertIn("AuthFailure", err)

    def test_unsigned_and_malformed_requests_get_aws_errors(self):
        import urllib.request
        import urllib.error
        for body, headers, code in [
            (b"Action=GetCallerIdentity", {}, "MissingAuthenticationToken"),
            (b"Action=GetCallerIdentity", {"Authorization": "AWS4-HMAC-SHA256 Credential=bad"}, "IncompleteSignature"),
        ]:
            req = urllib.request.Request(self.sandbox.url + "/", data=body, headers=headers, method="POST")
            with self.assertRaises(urllib.error.HTTPError) as ctx:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(ctx.exception.code, 403)
            self.assertIn(code, ctx.exception.read().decode())

    def test_authentication_failures_are_not_in_cloudtrail_but_calls_are(self):
        self.sandbox.aws("sts", "get-caller-identity")
        records = self.records_named("GetCallerIdentity")
        self.assertTrue(records)
        r = records[-1]
        self.assertEqual(r["eventSource"], "sts.amazonaws.com")
        self.assertTrue(r["readOnly"])
        self.assertEqual(r["userIdentity"]["type"], "IAMUser")
        self.assertEqual(r["userIdentity"]["userName"], "alice")
        self.assertTrue(r["userAgent"].startswith("aws-cli/2"))
        self.assertFalse([x for x in self.sandbox.records() if x.get("errorCode") == "SignatureDoesNotMatch"])


class CentralSecurityAccount(SandboxTestCase):
    world = "central-security.yaml"

    def assume(self, keys=RESPONDER, role=ROLE, check=True):
        return self.sandbox.aws("sts", "assume-role", "--role-arn", role, "--role-session-name", "ir-case-1",
                                "--duration-seconds", "900", keys=keys, check=check)

    def test_responder_assumes_member_role_and_acts_there(self):
        _, out = self.assume()
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(out["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::111111111111:assumed-role/FirebreakResponder/ir-case-1")
        import boto3
        sts = boto3.client("sts", endpoint_url=self.sandbox.url, region_name="us-east-1",
                           aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
        self.assertEqual(sts.get_caller_identity()["Account"], "111111111111")
        # Without the session token the session key is refused.
        bare = boto3.client("sts", endpoint_url=self.sandbox.url, region_name="us-east-1",
                            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"])
        with self.assertRaises(Exception) as ctx:
            bare.get_caller_identity()
        self.assertIn("InvalidClientTokenId", str(ctx.exception))

    def test_assume_role_is_recorded_in_both_accounts_with_a_shared_event_id(self):
        self.assume()
        records = self.records_named("AssumeRole", lambda r: not r.get("errorCode") and
                                     r["recipientAccountId"] == "111111111111")
        records = [r for r in self.sandbox.records() if r["eventName"] == "AssumeRole" and not r.get("errorCode")]
        by_account = {r["recipientAccountId"]: r for r in records}
        self.assertIn("999999999999", by_account)
        self.assertIn("111111111111", by_account)
        a, b = by_account["999999999999"], by_account["111111111111"]
        self.assertEqual(a["sharedEventID"], b["sharedEventID"])
        self.assertTrue(a["readOnly"])
        self.assertEqual(a["requestParameters"]["roleArn"], ROLE)
        self.assertEqual(a["requestParameters"]["durationSeconds"], 900)
        self.assertNotIn("secretAccessKey", str(a["responseElements"]))
        self.assertEqual(a["resources"][0]["type"], "AWS::IAM::Role")

    def test_auditor_without_assume_permission_is_denied_and_recorded(self):
        code, err = self.assume(keys=AUDITOR, check=False)
        self.assertEqual(code, 254)
        self.assertIn("AccessDenied", err)
        self.assertIn("is not authorized to perform: sts:AssumeRole", err)
        denied = self.records_named("AssumeRole", lambda r: r.get("errorCode") == "AccessDenied")
        self.assertTrue(denied)
        self.assertIsNone(denied[-1]["responseElements"])

    def test_unknown_role_and_bad_session_name(self):
        code, err = self.assume(role="arn:aws:iam::111111111111:role/Nope", check=False)
        self.assertIn("AccessDenied", err)
        code, err = self.sandbox.aws("sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "bad name!",
                                     keys=RESPONDER, check=False)
        self.assertIn("ValidationError", err)


class Persistence(unittest.TestCase):
    def test_restart_keeps_issued_sessions(self):
        box = Sandbox("central-security.yaml")
        try:
            _, out = box.aws("sts", "assume-role", "--role-arn", ROLE, "--role-session-name", "keep",
                             keys=RESPONDER)
        finally:
            box.stop()
        creds = out["Credentials"]
        # Restart on the same data folder: the saved world is loaded, the session still works.
        import os
        import time
        port_file = os.path.join(box.dir, "port2")
        proc = subprocess.Popen([box_bin(), "sandbox", "--data", box.data, "--port", "0", "--port-file", port_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while not (os.path.exists(port_file) and open(port_file).read().strip()) and time.time() < deadline:
                time.sleep(0.05)
            url = "http://127.0.0.1:" + open(port_file).read().strip()
            import boto3
            sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                               aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                               aws_session_token=creds["SessionToken"])
            self.assertEqual(sts.get_caller_identity()["Arn"],
                             "arn:aws:sts::111111111111:assumed-role/FirebreakResponder/keep")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def box_bin():
    from sandbox_fixture import FIREBREAK
    return FIREBREAK


if __name__ == "__main__":
    unittest.main()
