"""`firebreak serve` end to end against `firebreak sandbox` (the README walk-through): serve
follows the sandbox's live CloudTrail stream; an attacker stops the trail with the AWS CLI; the
StopLogging event is detected, the cloudtrail-reenable playbook is applied automatically (its
auto-apply policy allows it) and the trail logs again within 5 seconds of the call; responders
are notified; the finding, the run and the evidence are in the API. Then the API itself: auth,
ingest shapes, bad input, duplicates, aggregation, suppression, approval of a plan that policy
kept from auto-applying, reload."""
import gzip
import json
import os
import signal
import tempfile
import time
import unittest

from sandbox_fixture import ALICE, Sandbox
from serve_fixture import TOKEN, Serve

ACCOUNT = "111111111111"

RULE = """id: custom-delete-user
title: IAM user deleted (custom)
description: A user was deleted.
severity: low
match: {eventSource: [iam.amazonaws.com], eventName: [DeleteUser]}
tests:
  - {name: hit, expect: match, event: {eventSource: iam.amazonaws.com, eventName: DeleteUser}}
  - {name: miss, expect: no-match, event: {eventSource: iam.amazonaws.com, eventName: GetUser}}
"""


def cloudtrail_record(event_id, name="CreateUser", user="mallory", account=ACCOUNT,
                      when="2026-11-29T10:00:00Z", params=None):
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/{user}",
                         "accountId": account, "accessKeyId": "AKIAEXAMPLEMALLORY01",
                         "userName": user},
        "eventTime": when, "eventSource": "iam.amazonaws.com", "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2",
        "requestParameters": params or {"userName": "backdoor-" + event_id[:8]},
        "responseElements": None, "eventID": event_id, "eventType": "AwsApiCall",
        "recipientAccountId": account,
    }


class ServeWalkthrough(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.box = Sandbox("single-account.yaml")
        cls.tmp = tempfile.mkdtemp(prefix="fb-serve-")
        cls.notifications = os.path.join(cls.tmp, "notifications.jsonl")
        cls.rules_dir = os.path.join(cls.tmp, "rules")
        os.makedirs(cls.rules_dir)
        with open(os.path.join(cls.rules_dir, "a.yaml"), "w") as f:
            f.write(RULE)
        cls.serve = Serve(cls.tmp, f"""
serve:
  seal-every: 0
rules: [{cls.rules_dir}]
sources:
  - {{type: sandbox, url: "{cls.box.url}", wait: 2s}}
accounts:
  - {{id: "{ACCOUNT}", name: acme-prod, environment: production}}
notifications:
  sinks:
    - {{name: responders, type: file, path: {cls.notifications}}}
findings:
  securityhub: {{enabled: true, region: us-east-1}}
response:
  auto-apply:
    - {{playbook: cloudtrail-reenable, severities: [high, critical]}}
evidence:
  vault: {cls.tmp}/vault
  keys: {cls.tmp}/evidence-keys
""", box=cls.box).start()

    @classmethod
    def tearDownClass(cls):
        cls.serve.stop()
        cls.box.stop()

    def trail_logging(self, client):
        return client.get_trail_status(Name="management-events")["IsLogging"]

    def test_1_stoplogging_is_undone_within_five_seconds(self):
        ct = self.box.boto3("cloudtrail")
        self.assertTrue(self.trail_logging(ct))
        # The attacker's call through boto3, so the clock starts when the call is made (the
        # README walk-through does the same with the AWS CLI).
        start = time.monotonic()
        ct.stop_logging(Name="management-events")
        stopped_at = time.monotonic()
        deadline = stopped_at + 10
        while not self.trail_logging(ct):
            self.assertLess(time.monotonic(), deadline, self.serve.log_text())
            time.sleep(0.02)
        elapsed = time.monotonic() - start
        print(f"\nStopLogging took {stopped_at - start:.3f} s; the trail logged again "
              f"{elapsed:.3f} s after the call was made")
        self.assertLess(elapsed, 5.0)

        findings = self.serve.wait_for(
            lambda: self.serve.findings("?rule=cloudtrail-logging-stopped"), what="the finding")
        finding = findings[0]
        self.assertEqual(finding["account"], ACCOUNT)
        self.assertIn("alice", finding["principal"])
        detail = self.serve.wait_for(
            lambda: (lambda f: f if [l for l in f["links"] if l["kind"] == "run"] and
                     f["status"] != "NEW" else None)(
                self.serve.api("GET", "/v1/findings/" + finding["id"])),
            what="the run linked to the finding")
        run_ids = [l["ref"] for l in detail["links"] if l["kind"] == "run"]
        runs = [self.serve.api("GET", "/v1/runs/" + r) for r in run_ids]
        applied = [r for r in runs if r["apply"]]
        self.assertEqual(len(applied), 1, runs)
        self.assertEqual(applied[0]["status"], "succeeded", applied[0])
        self.assertEqual(applied[0]["playbook"], "cloudtrail-reenable")

        with open(self.notifications) as f:
            messages = [json.loads(l) for l in f if l.strip()]
        self.assertTrue(any("management-events" in json.dumps(m) for m in messages), messages)

        entries = self.serve.wait_for(
            lambda: self.serve.api("GET", "/v1/evidence?case=" + applied[0]["case"])["entries"],
            what="evidence for the case")
        kinds = {e["kind"] for e in entries}
        self.assertIn("finding", kinds)
        self.assertIn("action", kinds)
        # serve writes the digest over what runs recorded once a second, off the response path.
        verified = self.serve.wait_for(
            lambda: (lambda r: r[1] if r[0] == 200 else None)(
                self.serve.request("POST", "/v1/evidence/verify")), what="a sealed vault")
        self.assertTrue(verified["ok"], verified)
        self.assertGreaterEqual(verified["entries"]["valid"], 3)

        # Exported to Security Hub (the sandbox's) under the stored finding's id.
        hub = self.box.boto3("securityhub")
        self.serve.wait_for(
            lambda: any(json.loads(json.dumps(f))["Id"] == finding["id"]
                        for f in hub.get_findings(MaxResults=100)["Findings"]),
            what="the finding in Security Hub")

        metrics = self.serve.request("GET", "/metrics")[1]
        self.assertIn('firebreak_rule_hits_total{rule="cloudtrail-logging-stopped"}', metrics)
        self.assertIn("firebreak_finding_to_response_seconds_count", metrics)

    def test_2_auth_is_required(self):
        self.assertEqual(self.serve.request("GET", "/v1/findings", token=None)[0], 401)
        self.assertEqual(self.serve.request("GET", "/v1/findings", token="wrong" * 5)[0], 401)
        self.assertEqual(self.serve.request("POST", "/v1/ingest", body=b"{}", token=None)[0], 401)
        status, body, _ = self.serve.request("GET", "/healthz", token=None)
        self.assertEqual((status, body), (200, {"status": "ok"}))

    def test_3_ingest_bad_json_duplicates_and_aggregation(self):
        status, body, _ = self.serve.request("POST", "/v1/ingest", body=b'{"Records": [{"eventID": ')
        self.assertEqual(status, 400, body)
        self.assertTrue(body["issues"], body)
        self.assertIn("byte_offset", body["issues"][0])

        record = cloudtrail_record("0f0e0d0c-0000-4000-8000-000000000001", user="dup-tester")
        for _ in range(3):  # the same event three times: one finding, counted once
            status, body, _ = self.serve.request("POST", "/v1/ingest", body=record)
            self.assertEqual(status, 202, body)
            self.assertEqual(body["accepted"], 1)
        other = cloudtrail_record("0f0e0d0c-0000-4000-8000-000000000002", user="dup-tester",
                                  params={"userName": "backdoor-0f0e0d0c"},
                                  when="2026-11-29T10:05:00Z")
        status, body, _ = self.serve.request("POST", "/v1/ingest",
                                             body={"Records": [other, {"not": "an event"}]})
        self.assertEqual(status, 202, body)
        found = self.serve.wait_for(
            lambda: [f for f in self.serve.findings("?rule=iam-user-created")
                     if "dup-tester" in f["principal"] and f["count"] == 2],
            what="the aggregated finding")
        self.assertEqual(len(found), 1)
        self.assertEqual(sorted(found[0]["event_ids"]),
                         ["0f0e0d0c-0000-4000-8000-000000000001",
                          "0f0e0d0c-0000-4000-8000-000000000002"])
        time.sleep(0.3)
        again = [f for f in self.serve.findings("?rule=iam-user-created")
                 if "dup-tester" in f["principal"]]
        self.assertEqual([f["count"] for f in again], [2], "duplicates are not counted")

    def test_4_eventbridge_shapes(self):
        envelope = {"version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
                    "detail-type": "AWS API Call via CloudTrail", "source": "aws.iam",
                    "account": ACCOUNT, "time": "2026-11-29T11:00:00Z", "region": "us-east-1",
                    "resources": [],
                    "detail": cloudtrail_record("1f0e0d0c-0000-4000-8000-000000000001",
                                                user="eb-single")}
        self.assertEqual(self.serve.request("POST", "/v1/ingest", body=envelope)[0], 202)
        batch = [dict(envelope, id="7bf73129-1428-4cd3-a780-95db273d1603",
                      detail=cloudtrail_record("1f0e0d0c-0000-4000-8000-000000000002",
                                               user="eb-batch"))]
        self.assertEqual(self.serve.request("POST", "/v1/ingest", body=batch)[0], 202)
        put_events = {"Entries": [{
            "Source": "aws.iam", "DetailType": "AWS API Call via CloudTrail",
            "Detail": json.dumps(cloudtrail_record("1f0e0d0c-0000-4000-8000-000000000003",
                                                   user="eb-putevents"))}]}
        status, body, _ = self.serve.request("POST", "/v1/ingest", body=put_events)
        self.assertEqual(status, 202, body)
        # A CloudTrail log file as delivered (gzip), posted as it is.
        log_file = gzip.compress(json.dumps({"Records": [
            cloudtrail_record("1f0e0d0c-0000-4000-8000-000000000004", user="eb-logfile")]}).encode())
        status, body, _ = self.serve.request("POST", "/v1/ingest", body=log_file)
        self.assertEqual(status, 202, body)
        for user in ("eb-single", "eb-batch", "eb-putevents", "eb-logfile"):
            self.serve.wait_for(
                lambda: [f for f in self.serve.findings("?rule=iam-user-created")
                         if user in f["principal"]], what=f"the finding of {user}")

    def test_5_suppression_and_status_workflow(self):
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        sup = self.serve.api("POST", "/v1/suppressions",
                             {"rule": "iam-user-created", "principal": "*ci-provisioner*",
                              "reason": "the CI creates test users", "expires_at": expires},
                             expect=201)
        self.assertTrue(sup["id"].startswith("sup-"))
        self.serve.api("POST", "/v1/ingest",
                       cloudtrail_record("2f0e0d0c-0000-4000-8000-000000000001",
                                         user="ci-provisioner"), expect=202)
        found = self.serve.wait_for(
            lambda: [f for f in self.serve.findings("?rule=iam-user-created")
                     if "ci-provisioner" in f["principal"]], what="the suppressed finding")
        self.assertEqual(found[0]["status"], "SUPPRESSED")

        self.serve.api("POST", "/v1/ingest",
                       cloudtrail_record("2f0e0d0c-0000-4000-8000-000000000002",
                                         user="workflow-user"), expect=202)
        f = self.serve.wait_for(
            lambda: [f for f in self.serve.findings("?rule=iam-user-created")
                     if "workflow-user" in f["principal"]], what="the finding")[0]
        updated = self.serve.api("PATCH", "/v1/findings/" + f["id"],
                                 {"status": "RESOLVED", "note": "user removed", "by": "alice"})
        self.assertEqual(updated["status"], "RESOLVED")
        self.assertEqual(updated["history"][-1]["to"], "RESOLVED")
        status, body, _ = self.serve.request("PATCH", "/v1/findings/" + f["id"],
                                             body={"status": "BOGUS"})
        self.assertEqual(status, 400, body)

    def test_6_plan_waits_for_approval_then_applies(self):
        # public-bucket has no auto-apply rule here: the run stops at its plan.
        self.box.aws("s3api", "put-bucket-policy", "--bucket", "org-cloudtrail-logs", "--policy",
                     json.dumps({"Version": "2012-10-17", "Statement": [{
                         "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::org-cloudtrail-logs/*"}]}))
        finding = self.serve.wait_for(
            lambda: self.serve.findings("?rule=s3-bucket-policy-public"), what="the finding")[0]
        plan = self.serve.wait_for(
            lambda: [r for r in self.serve.api("GET", "/v1/runs")["runs"]
                     if r["finding"] == finding["id"] and not r["apply"]],
            what="the plan")[0]
        self.assertEqual(plan["status"], "planned")
        time.sleep(0.5)
        self.assertFalse([r for r in self.serve.api("GET", "/v1/runs")["runs"]
                          if r["finding"] == finding["id"] and r["apply"]], "not auto-applied")
        with open(self.notifications) as f:
            self.assertIn(plan["id"], f.read(), "the approval request was sent")
        approved = self.serve.api("POST", f"/v1/runs/{plan['id']}/approve",
                                  {"by": "alice", "reason": "confirmed public by mistake"})
        self.assertTrue(approved["apply"])
        self.assertIn(approved["status"], ("succeeded", "waiting-approval"), approved)
        status, body, _ = self.serve.request("POST", f"/v1/runs/{plan['id']}/approve",
                                             body={"by": "alice"})
        self.assertEqual(status, 409, body)

    def test_7_reload_swaps_rules(self):
        before = len(self.serve.api("GET", "/v1/rules")["rules"])
        with open(os.path.join(self.rules_dir, "b.yaml"), "w") as f:
            f.write(RULE.replace("custom-delete-user", "custom-delete-user-2"))
        status, body, _ = self.serve.request("POST", "/v1/reload")
        self.assertEqual(status, 200, body)
        ids = [r["id"] for r in self.serve.api("GET", "/v1/rules")["rules"]]
        self.assertEqual(len(ids), before + 1)
        self.assertIn("custom-delete-user-2", ids)
        with open(os.path.join(self.rules_dir, "c.yaml"), "w") as f:
            f.write("id: broken\nmatch: [not, a, pattern]\n")
        status, body, _ = self.serve.request("POST", "/v1/reload")
        self.assertEqual(status, 422, body)
        self.assertIn("c.yaml", body["error"])
        self.assertEqual(len(self.serve.api("GET", "/v1/rules")["rules"]), before + 1)
        os.remove(os.path.join(self.rules_dir, "c.yaml"))
        # SIGHUP reloads the same way.
        with open(os.path.join(self.rules_dir, "d.yaml"), "w") as f:
            f.write(RULE.replace("custom-delete-user", "custom-delete-user-3"))
        self.serve.proc.send_signal(signal.SIGHUP)
        self.serve.wait_for(
            lambda: "custom-delete-user-3" in
            [r["id"] for r in self.serve.api("GET", "/v1/rules")["rules"]], what="SIGHUP reload")


if __name__ == "__main__":
    unittest.main()
