"""The responder's walk-through from the README, with the real CLI against `firebreak sandbox`:
an attacker launches a GPU crypto miner with a leaked admin key (awscli), `firebreak hunt` finds
it in the sandbox's CloudTrail, `firebreak respond ec2-containment` plans (nothing changes), applies
(isolation, snapshots, quarantine tag) and waits for approval to stop the production instance,
`firebreak runs approve` finishes it. Then a run killed in the worst place (right after an AWS
call, before its result is journaled) is resumed with `firebreak runs resume` and nothing is
done twice."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from sandbox_fixture import ALICE, FIREBREAK, Sandbox

ACCOUNT = "111111111111"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class RespondWalkthrough(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.box = Sandbox("single-account.yaml")
        cls.tmp = tempfile.mkdtemp(prefix="fb-respond-")
        cls.notifications = os.path.join(cls.tmp, "notifications.jsonl")
        cls.config = write(os.path.join(cls.tmp, "firebreak.yaml"), f"""
accounts:
  - id: "{ACCOUNT}"
    name: acme-prod
    environment: production
notifications:
  sinks:
    - {{name: responders, type: file, path: {cls.notifications}}}
""")
        cls.state = os.path.join(cls.tmp, "runs.db")

    @classmethod
    def tearDownClass(cls):
        cls.box.stop()

    def firebreak(self, *args, env_extra=None, expect=0):
        env = self.box.env(ALICE)
        env.update(env_extra or {})
        proc = subprocess.run([FIREBREAK, *args], env=env, capture_output=True, text=True,
                              timeout=300)
        if expect is not None and proc.returncode != expect:
            raise AssertionError(f"firebreak {' '.join(args)} exited {proc.returncode}, not "
                                 f"{expect}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def respond_args(self, *args, state=None, config=None):
        return ["respond", *args, "--endpoint-url", self.box.url, "--state", state or self.state,
                "--config", config or self.config]

    def subnet(self, instance_name):
        """The subnet of the world's instance `instance_name`."""
        _, out = self.box.aws("ec2", "describe-instances")
        for r in out["Reservations"]:
            for i in r["Instances"]:
                if {"Key": "Name", "Value": instance_name} in i.get("Tags", []):
                    return i["SubnetId"]
        raise AssertionError(f"no instance {instance_name}")

    def launch_miner(self):
        _, out = self.box.aws("ec2", "run-instances", "--image-id", "ami-0badc0ffee0000000",
                              "--instance-type", "p3.2xlarge", "--subnet-id", self.subnet("dev-1"),
                              "--count", "1")
        return out["Instances"][0]["InstanceId"]

    def instance(self, instance_id):
        _, out = self.box.aws("ec2", "describe-instances", "--instance-ids", instance_id)
        return out["Reservations"][0]["Instances"][0]

    def hunt(self, miner):
        deadline = time.time() + 15
        while time.time() < deadline:
            proc = subprocess.run([FIREBREAK, "hunt", "--format", "jsonl", "--no-progress", "-q",
                                   os.path.join(self.box.data, "cloudtrail")],
                                  capture_output=True, text=True, timeout=120)
            findings = [json.loads(l) for l in proc.stdout.splitlines() if l.strip()]
            if any(f["GeneratorId"] == "ec2-gpu-instance-launched"
                   and miner in json.dumps(f["Resources"]) for f in findings):
                path = write(os.path.join(self.tmp, "findings.jsonl"), proc.stdout)
                return path, findings
            time.sleep(0.3)
        raise AssertionError("hunt did not find the miner")

    def test_walkthrough_from_finding_to_contained_instance(self):
        miner = self.launch_miner()
        findings_path, findings = self.hunt(miner)
        # The other test's miner may be in the same trail: this test's is picked by id.
        finding = next(f for f in findings if f["GeneratorId"] == "ec2-gpu-instance-launched"
                       and miner in json.dumps(f["Resources"]))
        pick = ["--rule", "ec2-gpu-instance-launched", "--finding-id", finding["Id"]]

        before = self.instance(miner)
        plan = self.firebreak(*self.respond_args("ec2-containment", "--finding", findings_path,
                                                 *pick))
        self.assertIn("Nothing was changed", plan.stdout)
        self.assertIn("ec2:CreateSnapshot", plan.stdout)
        self.assertIn("chose production", plan.stdout)
        self.assertEqual(self.instance(miner)["SecurityGroups"], before["SecurityGroups"])

        applied = self.firebreak(*self.respond_args("ec2-containment", "--finding", findings_path,
                                                    *pick, "--apply", "--json"))
        report = json.loads(applied.stdout.strip().splitlines()[-1])
        self.assertEqual(report["status"], "waiting-approval", applied.stdout)
        after = self.instance(miner)
        self.assertEqual(len(after["SecurityGroups"]), 1)
        self.assertTrue(after["SecurityGroups"][0]["GroupName"].startswith("firebreak-isolation-"))
        tags = {t["Key"]: t["Value"] for t in after.get("Tags", [])}
        self.assertEqual(tags["Environment"], "Quarantine:" + report["case"])
        self.assertEqual(after["State"]["Name"], "running")
        _, snaps = self.box.aws("ec2", "describe-snapshots", "--filters",
                                f"Name=tag:firebreak:case,Values={report['case']}")
        self.assertEqual(len(snaps["Snapshots"]), 1)

        listed = self.firebreak("runs", "list", "--state", self.state)
        self.assertIn(report["id"], listed.stdout)
        self.assertIn("waiting-approval", listed.stdout)

        approved = self.firebreak("runs", "approve", report["id"],
                                  "environment/production/approve-stop", "--by", "alice",
                                  "--reason", "miner confirmed", "--endpoint-url", self.box.url,
                                  "--state", self.state, "--config", self.config)
        self.assertIn("succeeded", approved.stdout)
        self.assertEqual(self.instance(miner)["State"]["Name"], "stopped")

        shown = json.loads(self.firebreak("runs", "show", report["id"], "--json", "--state",
                                          self.state).stdout)
        stop = next(s for s in shown["steps"] if s["key"] == "environment/production/stop")
        self.assertEqual(stop["status"], "succeeded")
        self.assertTrue(stop["request_ids"])
        self.assertEqual(shown["approvals"][0]["decided_by"], "alice")
        with open(self.notifications) as f:
            messages = [json.loads(l) for l in f if l.strip()]
        subjects = [m["subject"] for m in messages]
        self.assertTrue(any(s.startswith("Approval needed") for s in subjects), subjects)
        self.assertTrue(any(s.startswith("Contained " + miner) for s in subjects), subjects)

    def test_interrupted_run_resumes_without_duplicating(self):
        miner = self.launch_miner()
        state = os.path.join(self.tmp, "crash.db")
        dev_config = write(os.path.join(self.tmp, "dev.yaml"), f"""
accounts:
  - {{id: "{ACCOUNT}", name: acme-prod, environment: development}}
notifications:
  sinks:
    - {{name: responders, type: file, path: {self.notifications}}}
""")
        # Mutation 8 is the first CreateSnapshot: the process dies right after AWS made the
        # snapshot and before the journal knows.
        crashed = self.firebreak(*self.respond_args("ec2-containment", "--instance", miner,
                                                    "--apply", state=state, config=dev_config),
                                 env_extra={"FIREBREAK_TEST_CRASH_AFTER_MUTATIONS": "8"},
                                 expect=86)
        runs = self.firebreak("runs", "list", "--state", state, "--json").stdout.splitlines()
        interrupted = [json.loads(l) for l in runs if json.loads(l)["status"] == "running"]
        self.assertEqual(len(interrupted), 1, crashed.stdout)
        run = interrupted[0]
        _, snaps = self.box.aws("ec2", "describe-snapshots", "--filters",
                                f"Name=tag:firebreak:case,Values={run['case']}")
        self.assertEqual(len(snaps["Snapshots"]), 1, "the snapshot was made before the crash")

        resumed = self.firebreak("runs", "resume", run["id"], "--endpoint-url", self.box.url,
                                 "--state", state, "--config", dev_config, "--json")
        report = json.loads(resumed.stdout.strip().splitlines()[-1])
        self.assertEqual(report["status"], "succeeded", resumed.stdout)
        snapshot_steps = [s for s in report["steps"] if s["key"].startswith("snapshot[")]
        self.assertTrue(snapshot_steps[0]["already_done"])
        _, snaps = self.box.aws("ec2", "describe-snapshots", "--filters",
                                f"Name=tag:firebreak:case,Values={run['case']}")
        self.assertEqual(len(snaps["Snapshots"]), 1, "no second snapshot")
        _, groups = self.box.aws("ec2", "describe-security-groups")
        isolation = [g for g in groups["SecurityGroups"]
                     if g["GroupName"].startswith("firebreak-isolation-")]
        self.assertEqual(len(isolation), 1, "one isolation group per VPC")
        self.assertEqual(self.instance(miner)["State"]["Name"], "terminated")


if __name__ == "__main__":
    unittest.main()
