"""Reliability of `firebreak serve`: kill -9 during ingest and during a playbook run, restart,
and check that nothing accepted was lost and nothing was done twice; a CloudTrail folder is read
once across restarts; hostile requests are refused without harm."""
import gzip
import json
import os
import socket
import tempfile
import threading
import time
import unittest
import uuid

from sandbox_fixture import SRC, Sandbox
from serve_fixture import TOKEN, Serve
from test_serve import ACCOUNT, cloudtrail_record


def batch_of(n, tag):
    """n CreateUser records, each by its own principal (so each is its own finding)."""
    records = []
    for i in range(n):
        eid = str(uuid.uuid4())
        records.append(cloudtrail_record(eid, user=f"{tag}-{i}-{eid[:6]}"))
    return {"Records": records}


class KillDuringIngest(unittest.TestCase):
    def test_nothing_accepted_is_lost_or_counted_twice(self):
        tmp = tempfile.mkdtemp(prefix="fb-serve-crash-")
        serve = Serve(tmp, "builtin-playbooks: false\nserve: {seal-every: 0}\n").start()
        acked = set()      # event ids the server acknowledged (202)
        sent = set()
        stop = threading.Event()

        def client(worker):
            n = 0
            while not stop.is_set():
                body = batch_of(20, f"w{worker}-{n}")
                ids = {r["eventID"] for r in body["Records"]}
                sent.update(ids)
                try:
                    status, _, _ = serve.request("POST", "/v1/ingest", body=body, timeout=10)
                except OSError:
                    return  # the server died mid-request: not acknowledged
                if status == 202:
                    acked.update(ids)
                n += 1

        threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        serve.wait_for(lambda: len(acked) >= 400, timeout=60, what="400 acknowledged events")
        serve.kill9()
        stop.set()
        for t in threads:
            t.join()
        acked_at_kill = len(acked)

        serve.start()
        # Everything in the log is processed after the restart: the checkpoint reaches the end.
        def drained():
            stats = serve.api("GET", "/v1/stats")
            return stats["wal"]["checkpoint"] > stats["wal"]["last_seq"] and stats
        serve.wait_for(drained, timeout=60, what="the replay")
        found = {}
        offset = 0
        while True:
            page = serve.findings(f"?rule=iam-user-created&limit=1000&offset={offset}")
            for f in page:
                for eid in f["event_ids"]:
                    found[eid] = found.get(eid, 0) + 1
                self.assertEqual(f["count"], len(f["event_ids"]), f)
            if len(page) < 1000:
                break
            offset += 1000
        lost = acked - set(found)
        self.assertFalse(lost, f"{len(lost)} acknowledged events lost")
        self.assertFalse({e for e, n in found.items() if n > 1}, "an event counted twice")
        self.assertTrue(set(found) <= sent)
        print(f"\n{acked_at_kill} events acknowledged before kill -9, {len(found)} found after "
              f"the restart ({len(found) - acked_at_kill} accepted but not yet acknowledged)")
        serve.stop()


class KillDuringPlaybookRun(unittest.TestCase):
    def test_interrupted_containment_finishes_without_duplicates(self):
        box = Sandbox("single-account.yaml")
        try:
            tmp = tempfile.mkdtemp(prefix="fb-serve-run-")
            notifications = os.path.join(tmp, "notifications.jsonl")
            # The built-in containment playbook, triggered by the GPU launch rule (low severity,
            # so the built-in triggers leave it to a human).
            with open(SRC / "playbooks" / "ec2-containment.yaml") as f:
                source = f.read()
            start = source.index("triggers:")
            end = source.index("inputs:")
            source = (source[:start] + "triggers:\n  - rules: [ec2-gpu-instance-launched]\n" +
                      source[end:]).replace("id: ec2-containment", "id: contain-miner", 1)
            playbook = os.path.join(tmp, "contain-miner.yaml")
            with open(playbook, "w") as f:
                f.write(source)
            serve = Serve(tmp, f"""
serve: {{seal-every: 0}}
playbooks: [{playbook}]
sources:
  - {{type: sandbox, url: "{box.url}", wait: 2s}}
accounts:
  - {{id: "{ACCOUNT}", name: acme-dev, environment: development}}
notifications:
  sinks:
    - {{name: responders, type: file, path: {notifications}}}
response:
  auto-apply:
    - {{playbook: contain-miner, environments: [development]}}
""", box=box)
            # Mutation 8 is the first CreateSnapshot: serve dies right after AWS made the
            # snapshot and before the run journal knows.
            serve.start(env_extra={"FIREBREAK_TEST_CRASH_AFTER_MUTATIONS": "8"})
            _, out = box.aws("ec2", "describe-instances")
            subnet = next(i["SubnetId"] for r in out["Reservations"] for i in r["Instances"]
                          if {"Key": "Name", "Value": "dev-1"} in i.get("Tags", []))
            _, out = box.aws("ec2", "run-instances", "--image-id", "ami-0badc0ffee0000000",
                             "--instance-type", "p3.2xlarge", "--subnet-id", subnet)
            miner = out["Instances"][0]["InstanceId"]
            deadline = time.time() + 60
            while serve.proc.poll() is None:
                self.assertLess(time.time(), deadline, serve.log_text()[-3000:])
                time.sleep(0.05)
            self.assertEqual(serve.proc.returncode, 86, serve.log_text()[-3000:])
            serve.log.close()
            serve.log = None

            serve.start()  # no crash this time: the interrupted run is resumed
            def finished():
                runs = serve.api("GET", "/v1/runs")["runs"]
                done = [r for r in runs if r["apply"] and r["playbook"] == "contain-miner"
                        and r["status"] == "succeeded"]
                return done
            runs = serve.wait_for(finished, timeout=90, what="the resumed run")
            self.assertEqual(len(runs), 1)
            all_runs = serve.api("GET", "/v1/runs")["runs"]
            applies = [r for r in all_runs if r["apply"] and r["playbook"] == "contain-miner"]
            self.assertEqual(len(applies), 1, "the run was resumed, not started again")
            case = runs[0]["case"]
            _, snaps = box.aws("ec2", "describe-snapshots", "--filters",
                               f"Name=tag:firebreak:case,Values={case}")
            self.assertEqual(len(snaps["Snapshots"]), 1, "no second snapshot")
            _, groups = box.aws("ec2", "describe-security-groups")
            isolation = [g for g in groups["SecurityGroups"]
                         if g["GroupName"].startswith("firebreak-isolation-")]
            self.assertEqual(len(isolation), 1, "one isolation group")
            _, out = box.aws("ec2", "describe-instances", "--instance-ids", miner)
            self.assertEqual(out["Reservations"][0]["Instances"][0]["State"]["Name"], "terminated")
            self.assertIn("resumed", serve.log_text())
            serve.stop()
        finally:
            box.stop()


class FolderSourceAcrossRestarts(unittest.TestCase):
    def test_each_file_once(self):
        tmp = tempfile.mkdtemp(prefix="fb-serve-folder-")
        folder = os.path.join(tmp, "AWSLogs", ACCOUNT, "CloudTrail", "us-east-1", "2026", "11", "29")
        os.makedirs(folder)
        serve = Serve(tmp, f"""
builtin-playbooks: false
serve: {{seal-every: 0}}
sources:
  - {{type: folder, path: {tmp}/AWSLogs, poll: 100ms}}
""")

        def drop(i):
            path = os.path.join(folder, f"{ACCOUNT}_CloudTrail_us-east-1_20261129T10{i:02d}Z_x.json.gz")
            with gzip.open(path + ".part", "wt") as f:
                json.dump(batch_of(10, f"file{i}"), f)
            os.rename(path + ".part", path)

        for i in range(3):
            drop(i)
        serve.start()
        count = lambda: sum(f["count"] for f in serve.findings("?rule=iam-user-created&limit=1000"))
        serve.wait_for(lambda: count() == 30, what="3 files read")
        serve.kill9()
        for i in range(3, 5):
            drop(i)
        serve.start()
        serve.wait_for(lambda: count() == 50, what="2 new files read")
        time.sleep(1.0)  # more polls: nothing is read again
        self.assertEqual(count(), 50)
        stats = serve.api("GET", "/v1/stats")
        self.assertEqual(stats["findings"]["total"], 50)
        serve.stop()


class HostileRequests(unittest.TestCase):
    def test_refused_without_harm(self):
        tmp = tempfile.mkdtemp(prefix="fb-serve-hostile-")
        serve = Serve(tmp, "builtin-playbooks: false\nserve: {max-body: 1MiB, seal-every: 0}\n").start()
        # A body over max-body: 413, and the server lives on.
        status, _, _ = serve.request("POST", "/v1/ingest", body=b"[" + b" " * (2 << 20) + b"]")
        self.assertEqual(status, 413)
        # Bad JSON, JSON that is no event, a wrong token, a bad signature.
        self.assertEqual(serve.request("POST", "/v1/ingest", body=b"\x00\xff{{")[0], 400)
        self.assertEqual(serve.request("POST", "/v1/ingest", body=b"[1, 2, 3]")[0], 400)
        self.assertEqual(serve.request("POST", "/v1/ingest", body=b"{}", token="x" * 30)[0], 401)
        self.assertEqual(serve.request("POST", "/v1/ingest", body=b"{}", token=None, headers={
            "X-Firebreak-Timestamp": str(int(time.time())),
            "X-Firebreak-Signature": "sha256=" + "0" * 64})[0], 401)
        # Slowloris: connections that trickle headers do not stop a normal client.
        socks = []
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", serve.port))
            s.sendall(b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        status, body, _ = serve.request("GET", "/v1/stats", timeout=60)
        self.assertEqual(status, 200, body)
        for s in socks:
            s.close()
        # Still accepting events.
        self.assertEqual(serve.request("POST", "/v1/ingest", body=batch_of(2, "after"))[0], 202)
        serve.stop()
        self.assertEqual(serve.proc.returncode, 0, serve.log_text())


if __name__ == "__main__":
    unittest.main()
