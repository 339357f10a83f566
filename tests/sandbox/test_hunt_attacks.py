"""An intrusion performed with the real AWS CLI and boto3 against the sandbox is found by
`firebreak hunt` in the CloudTrail files the sandbox wrote: the issue's "hunt finds the attacks
those clients performed"."""
import json
import subprocess
import unittest

from sandbox_fixture import FIREBREAK, Sandbox


class HuntFindsClientAttacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        box = Sandbox("single-account.yaml")
        try:
            # A stolen admin key (alice) is used to persist, open the network and blind the trail.
            box.aws("iam", "create-user", "--user-name", "backdoor")
            box.aws("iam", "create-access-key", "--user-name", "backdoor")
            box.aws("iam", "attach-user-policy", "--user-name", "backdoor",
                    "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
            ec2 = box.boto3("ec2")
            group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            _, trails = box.aws("cloudtrail", "describe-trails")
            cls.trail = trails["trailList"][0]["Name"]
            box.aws("cloudtrail", "stop-logging", "--name", cls.trail)
            # Not recorded: logging is off now.
            box.aws("iam", "create-user", "--user-name", "unseen")
        finally:
            box.stop()
        cls.box = box
        proc = subprocess.run([FIREBREAK, "hunt", "--format", "jsonl", "--no-progress", "-q",
                               box.data + "/cloudtrail"], capture_output=True, text=True, timeout=120)
        if proc.returncode not in (0, 1):
            raise AssertionError("hunt failed: " + proc.stderr)
        cls.findings = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        cls.rules = {f["GeneratorId"].split("/")[-1] for f in cls.findings}

    def test_persistence_network_and_logging_attacks_are_found(self):
        for rule in ["iam-user-created", "ec2-security-group-admin-port-open-to-internet",
                     "cloudtrail-logging-stopped"]:
            self.assertTrue(any(r.endswith(rule) for r in self.rules), f"{rule} not in {sorted(self.rules)}")

    def test_calls_after_stop_logging_are_not_recorded(self):
        users = [r for r in self.box.records() if r["eventName"] == "CreateUser"]
        names = [r["requestParameters"]["userName"] for r in users]
        self.assertIn("backdoor", names)
        self.assertNotIn("unseen", names)


if __name__ == "__main__":
    unittest.main()
