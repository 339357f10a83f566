"""Playbook runs recorded in the evidence vault, with the real CLI against `firebreak sandbox`:
`respond --apply` on a production instance records the finding, every change and capture, and
pauses for approval; `runs approve` adds the decision and the stop; the vault folder then holds
content-addressed objects, a hash-chained manifest and signed digests that cover every entry
(checked here in Python, and with `firebreak evidence verify` when the CLI has it). A run made
while the vault is unreachable still contains the instance, warns, and `runs record` adds it
later; recording again adds nothing."""
import glob
import gzip
import hashlib
import json
import os
import subprocess
import tempfile
import unittest

from sandbox_fixture import ALICE, FIREBREAK, Sandbox

ACCOUNT = "111111111111"
REGION = "us-east-1"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def finding_for(instance_id):
    """A hand-made ASFF finding naming the instance (what `firebreak hunt` would write)."""
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"firebreak/ec2-gpu-instance-launched/{instance_id}",
        "ProductArn": f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default",
        "GeneratorId": "ec2-gpu-instance-launched",
        "AwsAccountId": ACCOUNT,
        "Types": ["TTPs/Impact"],
        "CreatedAt": "2026-11-28T10:00:00Z",
        "UpdatedAt": "2026-11-28T10:00:00Z",
        "Severity": {"Label": "HIGH"},
        "Title": "GPU instance launched",
        "Description": "a p3 instance was launched with a leaked key",
        "ProductFields": {"firebreak/RuleId": "ec2-gpu-instance-launched"},
        "Resources": [{"Type": "AwsEc2Instance", "Region": REGION,
                       "Id": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"}],
    }


class Vault:
    """What a vault folder holds, read without firebreak."""

    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "vault.json")) as f:
            self.descriptor = json.load(f)
        self.entries = []
        for path in sorted(glob.glob(os.path.join(root, "manifest", "*.json"))):
            with open(path, "rb") as f:
                raw = f.read()
            entry = json.loads(raw)
            entry["_key"] = os.path.relpath(path, root)
            entry["_sha256"] = hashlib.sha256(raw).hexdigest()
            self.entries.append(entry)
        self.digests = []
        for path in sorted(glob.glob(os.path.join(root, "AWSLogs", "**", "*.json.gz"),
                                     recursive=True)):
            with gzip.open(path) as f:
                digest = json.load(f)
            with open(path + ".sig") as f:
                digest["_sidecar"] = f.read()
            self.digests.append(digest)

    def by_ref(self, ref):
        found = [e for e in self.entries if e.get("ref") == ref]
        return found[0] if found else None

    def object_bytes(self, entry):
        with open(os.path.join(self.root, entry["object"]), "rb") as f:
            return f.read()


class RespondEvidence(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.box = Sandbox("single-account.yaml")
        cls.tmp = tempfile.mkdtemp(prefix="fb-respond-evidence-")
        cls.notifications = os.path.join(cls.tmp, "notifications.jsonl")
        cls.vault = os.path.join(cls.tmp, "vault")
        cls.keys = os.path.join(cls.tmp, "evidence-keys")
        cls.config = write(os.path.join(cls.tmp, "firebreak.yaml"), f"""
accounts:
  - id: "{ACCOUNT}"
    name: acme-prod
    environment: production
notifications:
  sinks:
    - {{name: responders, type: file, path: {cls.notifications}}}
evidence:
  vault: {cls.vault}
  keys: {cls.keys}
  account-id: "999999999999"
  region: {REGION}
  name: firebreak-vault
  retention: 30d
""")
        cls.state = os.path.join(cls.tmp, "runs.db")

    @classmethod
    def tearDownClass(cls):
        cls.box.stop()

    def firebreak(self, *args, expect=0):
        proc = subprocess.run([FIREBREAK, *args], env=self.box.env(ALICE), capture_output=True,
                              text=True, timeout=300)
        if expect is not None and proc.returncode != expect:
            raise AssertionError(f"firebreak {' '.join(args)} exited {proc.returncode}, not "
                                 f"{expect}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def launch(self, name="dev-1"):
        _, out = self.box.aws("ec2", "describe-instances")
        subnet = next(i["SubnetId"] for r in out["Reservations"] for i in r["Instances"]
                      if {"Key": "Name", "Value": name} in i.get("Tags", []))
        _, out = self.box.aws("ec2", "run-instances", "--image-id", "ami-0badc0ffee0000000",
                              "--instance-type", "p3.2xlarge", "--subnet-id", subnet,
                              "--count", "1")
        return out["Instances"][0]["InstanceId"]

    def state_of(self, instance_id):
        _, out = self.box.aws("ec2", "describe-instances", "--instance-ids", instance_id)
        return out["Reservations"][0]["Instances"][0]["State"]["Name"]

    def verify_with_cli(self, vault, keys):
        """`firebreak evidence verify` when this build has it; None otherwise."""
        helped = self.firebreak("evidence", "--help", expect=None)
        if " verify " not in helped.stdout.replace("\n", " "):
            return None
        return self.firebreak("evidence", "verify", "--vault", vault, "--public-keys",
                              os.path.join(keys, "public-keys.json"), expect=None)

    def check_vault(self, vault, keys):
        """Every object matches its hash, the manifest chains, and the digests cover it all."""
        v = Vault(vault)
        previous = None
        for e in v.entries:
            self.assertEqual(hashlib.sha256(v.object_bytes(e)).hexdigest(), e["sha256"], e)
            self.assertEqual(e["previous_entry_sha256"], previous, e["_key"])
            previous = e["_sha256"]
        self.assertTrue(v.digests, "no digest was written")
        listed = {}
        for d in v.digests:
            self.assertTrue(d["_sidecar"].strip(), "a digest without its signature")
            for log in d["logFiles"]:
                listed[log["s3Object"]] = log["hashValue"]
        for e in v.entries:
            self.assertEqual(listed.get(e["_key"]), e["_sha256"], f"{e['_key']} not covered")
            self.assertEqual(listed.get(e["object"]), e["sha256"])
        # Each digest names the previous one (a chain, oldest has none).
        names = [d["digestS3Object"] for d in v.digests]
        for d in v.digests:
            if d.get("previousDigestS3Object"):
                self.assertIn(d["previousDigestS3Object"], names)
        self.assertTrue(os.path.exists(os.path.join(keys, "public-keys.json")))
        verified = self.verify_with_cli(vault, keys)
        if verified is not None:
            self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
        return v

    def test_applied_and_approved_run_is_in_the_vault(self):
        miner = self.launch()
        finding = finding_for(miner)
        findings = write(os.path.join(self.tmp, "finding.json"), json.dumps(finding))
        applied = self.firebreak("respond", "ec2-containment", "--finding", findings,
                                 "--instance", miner, "--apply", "--json",
                                 "--endpoint-url", self.box.url, "--state", self.state,
                                 "--config", self.config)
        report = json.loads(applied.stdout.strip().splitlines()[-1])
        self.assertEqual(report["status"], "waiting-approval", applied.stderr)
        self.assertIn(f"recorded in {self.vault} (case {report['case']}), digest AWSLogs/",
                      applied.stderr)

        v = Vault(self.vault)
        run = report["id"]
        case = report["case"]
        found = v.by_ref(f"finding/{case}/{finding['Id']}")
        self.assertIsNotNone(found, [e["ref"] for e in v.entries])
        self.assertEqual(found["kind"], "finding")
        self.assertEqual(json.loads(v.object_bytes(found))["Id"], finding["Id"])
        isolate = [e for e in v.entries if e["kind"] == "action"
                   and e["ref"].startswith(f"run/{run}/step/")]
        # Every change made (a for-each step's own record only sums up its items).
        changed = [s for s in report["steps"] if s["changes"] and s["status"] == "succeeded"
                   and s["params"] is not None]
        self.assertEqual(len(isolate), len(changed))
        snapshot = next(e for e in isolate if e["source"].startswith("ec2:CreateSnapshot "))
        self.assertEqual(snapshot["source"], f"ec2:CreateSnapshot {ACCOUNT}/{REGION}")
        self.assertTrue(snapshot["collected_by"].startswith(
            f"playbook-run:{run} (ec2-containment) by arn:aws:"), snapshot["collected_by"])
        doc = json.loads(v.object_bytes(snapshot))
        self.assertEqual(doc["run"], run)
        self.assertEqual(doc["status"], "succeeded")
        self.assertTrue(doc["request_ids"])
        self.assertTrue(doc["result"]["SnapshotId"].startswith("snap-"))
        metadata = v.by_ref(f"run/{run}/capture/describe")
        self.assertIsNotNone(metadata, [e["ref"] for e in v.entries])
        self.assertEqual(metadata["kind"], "api-response")
        self.assertIn(miner, v.object_bytes(metadata).decode())
        self.assertIsNone(v.by_ref(f"run/{run}/step/environment/production/stop"))
        before_approval = len(v.entries)

        approved = self.firebreak("runs", "approve", run, "environment/production/approve-stop",
                                  "--by", "alice", "--reason", "miner confirmed",
                                  "--endpoint-url", self.box.url, "--state", self.state,
                                  "--config", self.config)
        self.assertIn("succeeded", approved.stdout)
        self.assertIn(f"evidence: 2 items recorded in {self.vault} (case {case})",
                      approved.stdout)
        self.assertEqual(self.state_of(miner), "stopped")

        v = self.check_vault(self.vault, self.keys)
        self.assertEqual((v.descriptor["account_id"], v.descriptor["retention_days"]),
                         ("999999999999", 30))
        self.assertEqual(len(v.entries), before_approval + 2)
        decision = v.by_ref(f"run/{run}/approval/environment/production/approve-stop")
        self.assertEqual(decision["kind"], "action")
        doc = json.loads(v.object_bytes(decision))
        self.assertEqual((doc["decision"], doc["decided_by"], doc["reason"]),
                         ("approved", "alice", "miner confirmed"))
        stop = json.loads(v.object_bytes(v.by_ref(f"run/{run}/step/environment/production/stop")))
        self.assertEqual(stop["approved_by"][0]["by"], "alice")

        shown = self.firebreak("runs", "show", run, "--state", self.state, "--config",
                               self.config)
        self.assertIn(f"vault {self.vault}: {len(v.entries)} items for this run",
                      shown.stdout)
        self.assertIn(" finding ", shown.stdout)
        shown_json = json.loads(self.firebreak("runs", "show", run, "--json", "--state",
                                               self.state, "--config", self.config).stdout)
        self.assertEqual({e["ref"] for e in shown_json["vault_entries"]},
                         {e["ref"] for e in v.entries if e["ref"].startswith(f"run/{run}/")
                          or e["ref"].startswith(f"finding/{case}/")})

        # Recording again adds nothing.
        again = self.firebreak("runs", "record", "--all", "--state", self.state, "--config",
                               self.config)
        self.assertIn(f"evidence: 0 items recorded in {self.vault}", again.stdout)
        self.assertEqual(len(Vault(self.vault).entries), len(v.entries))

    def test_unreachable_vault_never_stops_the_containment(self):
        miner = self.launch()
        state = os.path.join(self.tmp, "outage.db")
        dev_config = write(os.path.join(self.tmp, "dev.yaml"), f"""
accounts:
  - {{id: "{ACCOUNT}", name: acme-dev, environment: development}}
notifications:
  sinks:
    - {{name: responders, type: file, path: {self.notifications}}}
""")
        blocked = write(os.path.join(self.tmp, "not-a-folder"), "a file where the vault should be")
        applied = self.firebreak("respond", "ec2-containment", "--instance", miner, "--apply",
                                 "--endpoint-url", self.box.url, "--state", state, "--config",
                                 dev_config, "--vault", blocked)
        self.assertEqual(self.state_of(miner), "terminated")
        self.assertIn(f"(vault {blocked})", applied.stderr)
        self.assertIn("record it later with firebreak runs record run-", applied.stderr)
        runs = [json.loads(l) for l in self.firebreak(
            "runs", "list", "--state", state, "--json").stdout.splitlines()]
        run = next(r for r in runs if r["apply"])

        vault = os.path.join(self.tmp, "later-vault")
        keys = os.path.join(self.tmp, "later-keys")
        recorded = self.firebreak("runs", "record", run["id"], "--state", state, "--vault", vault,
                                  "--evidence-keys", keys)
        self.assertIn(f"{run['id']}  case {run['case']}: ", recorded.stdout)
        v = self.check_vault(vault, keys)
        self.assertTrue(any(e["ref"].startswith(f"run/{run['id']}/step/") for e in v.entries))
        terminate = [e for e in v.entries if e["source"].startswith("ec2:TerminateInstances ")]
        self.assertEqual(len(terminate), 1)
        # The plan (recorded too, with --all) adds no steps; a second pass adds nothing.
        everything = self.firebreak("runs", "record", "--all", "--state", state, "--vault",
                                    vault, "--evidence-keys", keys)
        self.assertIn("evidence: 0 items recorded", everything.stdout)
        self.assertEqual(len(Vault(vault).entries), len(v.entries))

        skipped = self.firebreak("respond", "ec2-containment", "--instance", miner,
                                 "--endpoint-url", self.box.url, "--state", state, "--config",
                                 dev_config, "--no-evidence", "--vault", blocked, expect=None)
        self.assertNotIn("evidence", skipped.stderr)


if __name__ == "__main__":
    unittest.main()
