"""Client tests for the sandbox's Auto Scaling, ELB, ELBv2, SSM and SNS handlers.

Every operation is called with Debian's awscli v2 and with boto3; each test checks the answer, the
world state afterwards (a follow-up call, or the saved world.json where no read API is served),
an error case, bob's IAM denial where it applies, and the CloudTrail record.

Run: FIREBREAK_BIN=build/<dir>/apps/firebreak/firebreak /usr/bin/python3 -m unittest \
         tests/sandbox/test_asg_elb_ssm_sns.py -v
"""
import json
import os
import sys
import time
import unittest
import warnings

import boto3
import botocore.config
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sandbox_fixture import ALICE, BOB, SandboxTestCase  # noqa: E402

ACCOUNT = "111111111111"
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:security-alerts"
SCRATCH_TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:scratch"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

# Instance ids fixed in examples/worlds/test-misc.yaml.
WEB = {n: f"i-0aaa000000000000{n}" for n in (1, 2, 3, 4)}
API1, API2 = "i-0bbb0000000000001", "i-0bbb0000000000002"
BATCH1, BATCH2 = "i-0ccc0000000000001", "i-0ccc0000000000002"  # batch-2 is stopped


class MiscHandlersTest(SandboxTestCase):
    world = "test-misc.yaml"

    @classmethod
    def setUpClass(cls):
        warnings.simplefilter("ignore", ResourceWarning)  # boto3 keeps its sockets open
        super().setUpClass()
        # One harmless write so the sandbox saves world.json, where target group ARNs are read.
        cls.client_for("sns").publish(TopicArn=SCRATCH_TOPIC_ARN, Message="setup")

    # ---- helpers ------------------------------------------------------------------------------

    @classmethod
    def client_for(cls, service, keys=ALICE, validate=True):
        return boto3.client(service, endpoint_url=cls.sandbox.url, region_name="us-east-1",
                            aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                            config=botocore.config.Config(parameter_validation=validate,
                                                          retries={"max_attempts": 1}))

    def saved_world(self):
        with open(os.path.join(self.sandbox.data, "world.json")) as f:
            return json.load(f)

    def target_group_arn(self, name):
        groups = self.saved_world()["target_groups"]
        items = groups.values() if isinstance(groups, dict) else groups
        return next(g["arn"] for g in items if g["name"] == name)

    def wait_record(self, event_name, predicate=lambda r: True, timeout=15):
        deadline = time.time() + timeout
        while True:
            found = [r for r in self.sandbox.records()
                     if r["eventName"] == event_name and predicate(r)]
            if found or time.time() > deadline:
                self.assertTrue(found, f"no CloudTrail record {event_name} matching")
                return found[-1]
            time.sleep(0.25)

    def by_request_id(self, response):
        rid = response["ResponseMetadata"]["RequestId"]
        return lambda r: r.get("requestID") == rid

    def assert_client_error(self, call, code, status=None, message=None):
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            call()
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code)
        if status is not None:
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status)
        if message is not None:
            self.assertIn(message, err["Error"]["Message"])
        return err

    def assert_cli_error(self, args, code, keys=ALICE):
        rc, text = self.sandbox.aws(*args, keys=keys, check=False)
        self.assertEqual(rc, 254, text)
        self.assertIn(f"({code})", text)
        return text

    def asg_instances(self, keys=ALICE):
        client = self.client_for("autoscaling", keys)
        out, token = [], None
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = client.describe_auto_scaling_instances(MaxRecords=2, **kwargs)
            out.extend(page["AutoScalingInstances"])
            token = page.get("NextToken")
            if not token:
                return out

    def health(self, tg_arn, targets=None, keys=ALICE):
        kwargs = {"Targets": targets} if targets else {}
        page = self.client_for("elbv2", keys).describe_target_health(TargetGroupArn=tg_arn, **kwargs)
        return {(d["Target"]["Id"], d["Target"]["Port"]): d for d in page["TargetHealthDescriptions"]}

    # ---- Auto Scaling -------------------------------------------------------------------------

    def test_autoscaling_describe_instances(self):
        rc, out = self.sandbox.aws("autoscaling", "describe-auto-scaling-instances",
                                   "--instance-ids", API2)
        self.assertEqual(rc, 0)
        [row] = out["AutoScalingInstances"]
        self.assertEqual(row["InstanceId"], API2)
        self.assertEqual(row["AutoScalingGroupName"], "api-asg")
        self.assertEqual(row["InstanceType"], "t3.large")
        self.assertEqual(row["AvailabilityZone"], "us-east-1b")
        self.assertEqual(row["LifecycleState"], "InService")
        self.assertEqual(row["HealthStatus"], "HEALTHY")
        self.assertFalse(row["ProtectedFromScaleIn"])
        self.assertEqual(row["LaunchTemplate"]["LaunchTemplateName"], "api-lt")

        # bob's read-only policy allows autoscaling:Describe*; pages of 2 cover every member once.
        rows = self.asg_instances(keys=BOB)
        ids = [r["InstanceId"] for r in rows]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn(API2, ids)
        self.assertNotIn(BATCH1, ids)  # not in any group
        self.assertEqual(ids, sorted(ids))

        self.assert_client_error(
            lambda: self.client_for("autoscaling", validate=False).describe_auto_scaling_instances(
                MaxRecords=100), "ValidationError", 400)
        self.assert_client_error(
            lambda: self.client_for("autoscaling").describe_auto_scaling_instances(NextToken="zz"),
            "InvalidNextToken", 400)

        rec = self.wait_record("DescribeAutoScalingInstances",
                               lambda r: r["requestParameters"] == {"instanceIds": [API2]})
        self.assertEqual(rec["eventSource"], "autoscaling.amazonaws.com")
        self.assertTrue(rec["readOnly"])
        self.assertIsNone(rec["responseElements"])
        self.assertEqual(rec["userIdentity"]["arn"], ALICE_ARN)
        self.assertEqual(rec["apiVersion"], "2011-01-01")
        self.wait_record("DescribeAutoScalingInstances",
                         lambda r: r["userIdentity"]["arn"] == BOB_ARN and "errorCode" not in r)

    def test_autoscaling_detach_decrement(self):
        rc, out = self.sandbox.aws("autoscaling", "detach-instances", "--instance-ids", WEB[1],
                                   "--auto-scaling-group-name", "web-asg",
                                   "--should-decrement-desired-capacity")
        self.assertEqual(rc, 0)
        [activity] = out["Activities"]
        self.assertEqual(activity["AutoScalingGroupName"], "web-asg")
        self.assertEqual(activity["Description"], f"Detaching EC2 instance: {WEB[1]}")
        self.assertIn("shrinking the capacity from 4 to 3", activity["Cause"])
        self.assertEqual(activity["StatusCode"], "InProgress")
        self.assertEqual(activity["Progress"], 50)

        # The instance left the group and its load balancers; the target is draining.
        rc, out = self.sandbox.aws("autoscaling", "describe-auto-scaling-instances",
                                   "--instance-ids", WEB[1])
        self.assertEqual(out["AutoScalingInstances"], [])
        self.assert_cli_error(["elb", "deregister-instances-from-load-balancer",
                               "--load-balancer-name", "web-clb", "--instances", WEB[1]],
                              "InvalidInstance")
        tg = self.health(self.target_group_arn("web-tg"))
        self.assertEqual(tg[(WEB[1], 80)]["TargetHealth"]["State"], "draining")
        self.assertEqual(tg[(WEB[2], 80)]["TargetHealth"]["State"], "healthy")

        # boto3: two more with decrement (3 -> 1), then the group is at its minimum.
        asg = self.client_for("autoscaling")
        resp = asg.detach_instances(InstanceIds=[WEB[2], WEB[3]], AutoScalingGroupName="web-asg",
                                    ShouldDecrementDesiredCapacity=True)
        self.assertEqual([a["Description"] for a in resp["Activities"]],
                         [f"Detaching EC2 instance: {WEB[2]}", f"Detaching EC2 instance: {WEB[3]}"])
        self.assertIn("from 2 to 1", resp["Activities"][1]["Cause"])
        group = next(g for g in self.saved_world()["auto_scaling_groups"].values()
                     if g["name"] == "web-asg")
        self.assertEqual(group["desired_capacity"], 1)
        self.assertEqual([m["instance_id"] for m in group["instances"]], [WEB[4]])
        err = self.assert_client_error(
            lambda: asg.detach_instances(InstanceIds=[WEB[4]], AutoScalingGroupName="web-asg",
                                         ShouldDecrementDesiredCapacity=True),
            "ValidationError", 400, "min-size=1, max-size=6, and desired-size=1. To detach 1 instance")

        rec = self.wait_record("DetachInstances",
                               lambda r: r["requestParameters"]["instanceIds"] == [WEB[1]])
        self.assertEqual(rec["eventSource"], "autoscaling.amazonaws.com")
        self.assertFalse(rec["readOnly"])
        self.assertEqual(rec["requestParameters"],
                         {"instanceIds": [WEB[1]], "autoScalingGroupName": "web-asg",
                          "shouldDecrementDesiredCapacity": True})
        self.assertEqual(rec["responseElements"]["activities"][0]["description"],
                         f"Detaching EC2 instance: {WEB[1]}")
        self.assertEqual(rec["userIdentity"]["arn"], ALICE_ARN)
        failed = self.wait_record("DetachInstances", lambda r: r.get("requestID") ==
                                  err["ResponseMetadata"]["RequestId"])
        self.assertEqual(failed["errorCode"], "ValidationError")
        self.assertIsNone(failed["responseElements"])

    def test_autoscaling_detach_replace(self):
        asg = self.client_for("autoscaling")
        resp = asg.detach_instances(InstanceIds=[API1], AutoScalingGroupName="api-asg",
                                    ShouldDecrementDesiredCapacity=False)
        [activity] = resp["Activities"]
        self.assertEqual(activity["Description"], f"Detaching EC2 instance: {API1}")
        self.assertTrue(activity["Cause"].endswith("was detached in response to a user request."))

        # Auto Scaling launched a replacement in api-1's subnet: the group still has two members.
        members = [r for r in self.asg_instances() if r["AutoScalingGroupName"] == "api-asg"]
        ids = {r["InstanceId"] for r in members}
        self.assertEqual(len(members), 2)
        self.assertIn(API2, ids)
        self.assertNotIn(API1, ids)
        [new_id] = ids - {API2}
        new = next(r for r in members if r["InstanceId"] == new_id)
        self.assertEqual(new["InstanceType"], "t3.large")
        self.assertEqual(new["AvailabilityZone"], "us-east-1a")
        self.assertEqual(new["LifecycleState"], "InService")
        world = self.saved_world()
        instance = world["instances"][new_id]
        self.assertEqual(instance["tags"]["aws:autoscaling:groupName"], "api-asg")
        self.assertEqual(instance["tags"]["app"], "api")
        self.assertEqual(instance["image_id"], "ami-0abcdef1234567890")
        self.assertTrue(instance["private_ip"].startswith("10.0.1."))
        # The replacement is a real, running instance: SSM accepts it.
        ssm = self.client_for("ssm").send_command(InstanceIds=[new_id],
                                                   DocumentName="AWS-RunShellScript",
                                                   Parameters={"commands": ["hostname"]})
        self.assertEqual(ssm["Command"]["InstanceIds"], [new_id])

        # Desired capacity is unchanged (2 = min): decrementing is refused (awscli).
        text = self.assert_cli_error(["autoscaling", "detach-instances", "--instance-ids", API2,
                                      "--auto-scaling-group-name", "api-asg",
                                      "--should-decrement-desired-capacity"], "ValidationError")
        self.assertIn("min-size=2, max-size=4, and desired-size=2", text)

        rec = self.wait_record("DetachInstances", self.by_request_id(resp))
        self.assertEqual(rec["requestParameters"],
                         {"instanceIds": [API1], "autoScalingGroupName": "api-asg",
                          "shouldDecrementDesiredCapacity": False})
        self.assertEqual(rec["responseElements"]["activities"][0]["statusCode"], "InProgress")

    def test_autoscaling_detach_errors(self):
        asg = self.client_for("autoscaling")
        self.assert_client_error(
            lambda: asg.detach_instances(InstanceIds=[BATCH1], AutoScalingGroupName="web-asg",
                                         ShouldDecrementDesiredCapacity=False),
            "ValidationError", 400,
            f"The instance {BATCH1} is not part of Auto Scaling group web-asg")
        self.assert_client_error(
            lambda: asg.detach_instances(InstanceIds=[API2], AutoScalingGroupName="nope",
                                         ShouldDecrementDesiredCapacity=False),
            "ValidationError", 400, "not found")
        err = self.assert_client_error(
            lambda: self.client_for("autoscaling", validate=False).detach_instances(
                InstanceIds=[API2], AutoScalingGroupName="api-asg"),
            "ValidationError", 400, "shouldDecrementDesiredCapacity")
        rec = self.wait_record("DetachInstances", lambda r: r.get("requestID") ==
                               err["ResponseMetadata"]["RequestId"])
        self.assertEqual(rec["errorCode"], "ValidationError")
        self.assertEqual(rec["requestParameters"],
                         {"instanceIds": [API2], "autoScalingGroupName": "api-asg"})

        # bob may describe but not detach (boto3 and awscli).
        err = self.assert_client_error(
            lambda: self.client_for("autoscaling", BOB).detach_instances(
                InstanceIds=[API2], AutoScalingGroupName="api-asg",
                ShouldDecrementDesiredCapacity=False),
            "AccessDenied", 403, "autoscaling:DetachInstances")
        self.assert_cli_error(["autoscaling", "detach-instances", "--instance-ids", API2,
                               "--auto-scaling-group-name", "api-asg",
                               "--no-should-decrement-desired-capacity"], "AccessDenied", keys=BOB)
        rec = self.wait_record("DetachInstances", lambda r: r.get("requestID") ==
                               err["ResponseMetadata"]["RequestId"])
        self.assertEqual(rec["errorCode"], "AccessDenied")
        self.assertEqual(rec["userIdentity"]["arn"], BOB_ARN)
        self.assertIn(API2, [r["InstanceId"] for r in self.asg_instances()])

    # ---- Classic ELB --------------------------------------------------------------------------

    def test_elb_deregister_instances(self):
        rc, out = self.sandbox.aws("elb", "deregister-instances-from-load-balancer",
                                   "--load-balancer-name", "batch-clb", "--instances", BATCH1)
        self.assertEqual(rc, 0)
        self.assertEqual(out["Instances"], [{"InstanceId": BATCH2}, {"InstanceId": API2}])

        elb = self.client_for("elb")
        # Already gone; all-or-nothing: api-2 stays registered when the batch fails.
        err = self.assert_client_error(
            lambda: elb.deregister_instances_from_load_balancer(
                LoadBalancerName="batch-clb", Instances=[{"InstanceId": API2}, {"InstanceId": BATCH1}]),
            "InvalidInstance", 400, f"Could not find EC2 instance {BATCH1}.")
        resp = elb.deregister_instances_from_load_balancer(
            LoadBalancerName="batch-clb", Instances=[{"InstanceId": API2}])
        self.assertEqual(resp["Instances"], [{"InstanceId": BATCH2}])
        self.assert_client_error(
            lambda: elb.deregister_instances_from_load_balancer(
                LoadBalancerName="nope", Instances=[{"InstanceId": API2}]),
            "LoadBalancerNotFound", 400, "There is no ACTIVE Load Balancer named 'nope'")
        self.assert_client_error(
            lambda: self.client_for("elb", BOB).deregister_instances_from_load_balancer(
                LoadBalancerName="batch-clb", Instances=[{"InstanceId": BATCH2}]),
            "AccessDenied", 403, "elasticloadbalancing:DeregisterInstancesFromLoadBalancer")
        self.assert_cli_error(["elb", "deregister-instances-from-load-balancer",
                               "--load-balancer-name", "batch-clb", "--instances", BATCH2],
                              "AccessDenied", keys=BOB)
        lb = next(b for b in self.saved_world()["load_balancers"].values() if b["name"] == "batch-clb")
        self.assertEqual(lb["instance_ids"], [BATCH2])

        rec = self.wait_record("DeregisterInstancesFromLoadBalancer",
                               lambda r: r["requestParameters"] == {
                                   "loadBalancerName": "batch-clb",
                                   "instances": [{"instanceId": BATCH1}]} and "errorCode" not in r)
        self.assertEqual(rec["eventSource"], "elasticloadbalancing.amazonaws.com")
        self.assertEqual(rec["apiVersion"], "2012-06-01")
        self.assertFalse(rec["readOnly"])
        self.assertEqual(rec["responseElements"],
                         {"instances": [{"instanceId": BATCH2}, {"instanceId": API2}]})
        self.assertEqual(rec["userIdentity"]["arn"], ALICE_ARN)
        failed = self.wait_record("DeregisterInstancesFromLoadBalancer",
                                  lambda r: r.get("requestID") == err["ResponseMetadata"]["RequestId"])
        self.assertEqual(failed["errorCode"], "InvalidInstance")
        denied = self.wait_record("DeregisterInstancesFromLoadBalancer",
                                  lambda r: r["userIdentity"]["arn"] == BOB_ARN)
        self.assertEqual(denied["errorCode"], "AccessDenied")

    # ---- ELBv2 --------------------------------------------------------------------------------

    def test_elbv2_deregister_targets_and_health(self):
        arn = self.target_group_arn("api-tg")
        rc, out = self.sandbox.aws("elbv2", "describe-target-health", "--target-group-arn", arn)
        self.assertEqual(rc, 0)
        rows = {d["Target"]["Id"]: d for d in out["TargetHealthDescriptions"]}
        self.assertEqual(set(rows), {API1, API2, BATCH1})
        self.assertEqual(rows[BATCH1]["Target"]["Port"], 8080)
        self.assertEqual(rows[BATCH1]["HealthCheckPort"], "8080")
        self.assertEqual(rows[BATCH1]["TargetHealth"], {"State": "healthy"})

        rc, out = self.sandbox.aws("elbv2", "deregister-targets", "--target-group-arn", arn,
                                   "--targets", f"Id={BATCH1},Port=8080")
        self.assertEqual((rc, out), (0, None))
        elbv2 = self.client_for("elbv2")
        resp = elbv2.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": API2}])  # port: 8080
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)
        elbv2.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": API1, "Port": 9999}])  # no-op

        health = self.health(arn)
        self.assertEqual(health[(BATCH1, 8080)]["TargetHealth"],
                         {"State": "draining", "Reason": "Target.DeregistrationInProgress",
                          "Description": "Target deregistration is in progress"})
        self.assertEqual(health[(API2, 8080)]["TargetHealth"]["State"], "draining")
        self.assertEqual(health[(API1, 8080)]["TargetHealth"]["State"], "healthy")
        # An existing instance that was never registered; bob may describe.
        other = self.health(arn, [{"Id": BATCH2}], keys=BOB)
        self.assertEqual(other[(BATCH2, 8080)]["TargetHealth"]["Reason"], "Target.NotRegistered")
        self.assertEqual(other[(BATCH2, 8080)]["TargetHealth"]["State"], "unused")

        err = self.assert_client_error(
            lambda: elbv2.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": "i-0fff0000000000009"}]),
            "InvalidTarget", 400, "The following instances do not exist: 'i-0fff0000000000009'")
        missing = arn.replace("/api-tg/", "/nope/")
        self.assert_client_error(
            lambda: elbv2.describe_target_health(TargetGroupArn=missing),
            "TargetGroupNotFound", 400)
        self.assert_cli_error(["elbv2", "deregister-targets", "--target-group-arn", missing,
                               "--targets", f"Id={API1}"], "TargetGroupNotFound")
        self.assert_client_error(
            lambda: self.client_for("elbv2", BOB).deregister_targets(TargetGroupArn=arn,
                                                                     Targets=[{"Id": API1}]),
            "AccessDenied", 403, "elasticloadbalancing:DeregisterTargets")
        self.assertEqual(self.health(arn)[(API1, 8080)]["TargetHealth"]["State"], "healthy")

        rec = self.wait_record("DeregisterTargets", lambda r: r["requestParameters"] == {
            "targetGroupArn": arn, "targets": [{"id": BATCH1, "port": 8080}]})
        self.assertEqual(rec["eventSource"], "elasticloadbalancing.amazonaws.com")
        self.assertEqual(rec["apiVersion"], "2015-12-01")
        self.assertFalse(rec["readOnly"])
        self.assertIsNone(rec["responseElements"])
        self.assertEqual(rec["userIdentity"]["arn"], ALICE_ARN)
        failed = self.wait_record("DeregisterTargets", lambda r: r.get("requestID") ==
                                  err["ResponseMetadata"]["RequestId"])
        self.assertEqual(failed["errorCode"], "InvalidTarget")
        denied = self.wait_record("DeregisterTargets", lambda r: r["userIdentity"]["arn"] == BOB_ARN)
        self.assertEqual(denied["errorCode"], "AccessDenied")
        rec = self.wait_record("DescribeTargetHealth", lambda r: r["userIdentity"]["arn"] == BOB_ARN)
        self.assertTrue(rec["readOnly"])
        self.assertEqual(rec["requestParameters"], {"targetGroupArn": arn, "targets": [{"id": BATCH2}]})
        self.assertIsNone(rec["responseElements"])

    # ---- SSM ----------------------------------------------------------------------------------

    def test_ssm_send_command(self):
        rc, out = self.sandbox.aws("ssm", "send-command", "--instance-ids", BATCH1,
                                   "--document-name", "AWS-RunShellScript",
                                   "--parameters", '{"commands":["uname -a"]}',
                                   "--comment", "IR triage", "--timeout-seconds", "600")
        self.assertEqual(rc, 0)
        cmd = out["Command"]
        self.assertEqual(cmd["DocumentName"], "AWS-RunShellScript")
        self.assertEqual(cmd["InstanceIds"], [BATCH1])
        self.assertEqual(cmd["Parameters"], {"commands": ["uname -a"]})
        self.assertEqual(cmd["Status"], "Pending")
        self.assertEqual(cmd["Comment"], "IR triage")
        self.assertEqual(cmd["TimeoutSeconds"], 600)
        self.assertEqual(cmd["TargetCount"], 1)
        self.assertIsInstance(cmd["RequestedDateTime"], str)  # awscli renders the epoch number

        resp = self.client_for("ssm").send_command(
            InstanceIds=[API2, BATCH1], DocumentName="AWS-RunShellScript",
            Parameters={"commands": ["ps aux", "netstat -an"]})
        self.assertEqual(resp["Command"]["TargetCount"], 2)
        self.assertEqual(resp["Command"]["RequestedDateTime"].year, 2026)
        stored = self.saved_world()["ssm_commands"]
        self.assertEqual(stored[cmd["CommandId"]]["status"], "Pending")
        self.assertEqual(stored[cmd["CommandId"]]["parameters"], {"commands": ["uname -a"]})
        self.assertEqual(stored[resp["Command"]["CommandId"]]["instance_ids"], [API2, BATCH1])

        err = self.assert_client_error(
            lambda: self.client_for("ssm").send_command(InstanceIds=[BATCH2],
                                                        DocumentName="AWS-RunShellScript"),
            "InvalidInstanceId", 400, f"Instances [[{BATCH2}]] not in a valid state")
        self.assert_cli_error(["ssm", "send-command", "--instance-ids", "i-0fff0000000000009",
                               "--document-name", "AWS-RunShellScript"], "InvalidInstanceId")
        self.assert_client_error(
            lambda: self.client_for("ssm", validate=False).send_command(InstanceIds=[BATCH1]),
            "ValidationException", 400, "documentName")
        self.assert_client_error(
            lambda: self.client_for("ssm", BOB).send_command(InstanceIds=[BATCH1],
                                                             DocumentName="AWS-RunShellScript"),
            "AccessDeniedException", 400, "ssm:SendCommand")
        self.assertEqual(len(self.saved_world()["ssm_commands"]), len(stored))

        rec = self.wait_record("SendCommand", self.by_request_id(resp))
        self.assertEqual(rec["eventSource"], "ssm.amazonaws.com")
        self.assertFalse(rec["readOnly"])
        self.assertEqual(rec["requestParameters"],
                         {"instanceIds": [API2, BATCH1], "documentName": "AWS-RunShellScript",
                          "interactive": False, "parameters": HIDDEN})
        command = rec["responseElements"]["command"]
        self.assertEqual(command["commandId"], resp["Command"]["CommandId"])
        self.assertEqual(command["parameters"], HIDDEN)
        self.assertEqual(command["status"], "Pending")
        self.assertRegex(command["requestedDateTime"], r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d [AP]M$")
        self.assertEqual(rec["userIdentity"]["arn"], ALICE_ARN)
        self.assertIn({"ARN": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{API2}", "accountId": ACCOUNT,
                       "type": "AWS::EC2::Instance"}, rec["resources"])
        cli = self.wait_record("SendCommand", lambda r: r["requestParameters"].get("comment") == "IR triage")
        self.assertEqual(cli["requestParameters"]["timeoutSeconds"], 600)
        failed = self.wait_record("SendCommand", lambda r: r.get("requestID") ==
                                  err["ResponseMetadata"]["RequestId"])
        self.assertEqual(failed["errorCode"], "InvalidInstanceId")
        self.assertIsNone(failed["responseElements"])
        denied = self.wait_record("SendCommand", lambda r: r["userIdentity"]["arn"] == BOB_ARN)
        self.assertEqual(denied["errorCode"], "AccessDeniedException")

    # ---- SNS ----------------------------------------------------------------------------------

    def test_sns_publish(self):
        rc, out = self.sandbox.aws("sns", "publish", "--topic-arn", TOPIC_ARN, "--subject", "alert",
                                   "--message", "key AKIA... leaked",
                                   "--message-attributes",
                                   '{"sev":{"DataType":"String","StringValue":"high"}}')
        self.assertEqual(rc, 0)
        first_id = out["MessageId"]
        resp = self.client_for("sns").publish(TopicArn=TOPIC_ARN, Message="contained")
        self.assertNotEqual(resp["MessageId"], first_id)

        topic = self.saved_world()["topics"][TOPIC_ARN]
        self.assertEqual([(m["message_id"], m["subject"], m["message"]) for m in topic["messages"]],
                         [(first_id, "alert", "key AKIA... leaked"), (resp["MessageId"], "", "contained")])

        sns = self.client_for("sns")
        missing = TOPIC_ARN.replace("security-alerts", "nope")
        self.assert_client_error(lambda: sns.publish(TopicArn=missing, Message="x"),
                                 "NotFound", 404, "Topic does not exist")
        self.assert_client_error(lambda: sns.publish(TopicArn=TOPIC_ARN, Message="x", Subject="s" * 101),
                                 "InvalidParameter", 400, "Subject")
        self.assert_client_error(lambda: sns.publish(TopicArn=TOPIC_ARN, Message=""),
                                 "InvalidParameter", 400, "Empty message")
        self.assert_client_error(
            lambda: sns.publish(TopicArn=TOPIC_ARN, Message="x",
                                MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}}),
            "ParameterValueInvalid", 400)
        self.assert_cli_error(["sns", "publish", "--topic-arn", missing, "--message", "x"], "NotFound")
        err = self.assert_client_error(
            lambda: self.client_for("sns", BOB).publish(TopicArn=TOPIC_ARN, Message="x"),
            "AccessDenied", 403, "sns:Publish")
        self.assertEqual(len(self.saved_world()["topics"][TOPIC_ARN]["messages"]), 2)

        rec = self.wait_record("Publish", self.by_request_id(resp))
        self.assertEqual(rec["eventSource"], "sns.amazonaws.com")
        self.assertEqual(rec["eventCategory"], "Data")
        self.assertFalse(rec["managementEvent"])
        self.assertFalse(rec["readOnly"])
        self.assertEqual(rec["requestParameters"], {"topicArn": TOPIC_ARN, "message": HIDDEN})
        self.assertEqual(rec["responseElements"], {"messageId": resp["MessageId"]})
        self.assertEqual(rec["userIdentity"]["arn"], ALICE_ARN)
        self.assertEqual(rec["resources"], [{"ARN": TOPIC_ARN, "accountId": ACCOUNT, "type": "AWS::SNS::Topic"}])
        cli = self.wait_record("Publish", lambda r: "errorCode" not in r and
                               "messageAttributes" in (r["requestParameters"] or {}))
        self.assertEqual(cli["requestParameters"],
                         {"topicArn": TOPIC_ARN, "message": HIDDEN, "subject": HIDDEN,
                          "messageAttributes": HIDDEN})
        denied = self.wait_record("Publish", lambda r: r.get("requestID") ==
                                  err["ResponseMetadata"]["RequestId"])
        self.assertEqual(denied["errorCode"], "AccessDenied")
        self.assertEqual(denied["userIdentity"]["arn"], BOB_ARN)
        # The trail's data-event selector names security-alerts only: the scratch topic's
        # publish (setUpClass) is not logged.
        self.assertFalse([r for r in self.sandbox.records() if r["eventName"] == "Publish" and
                          r["requestParameters"]["topicArn"] == SCRATCH_TOPIC_ARN])


if __name__ == "__main__":
    unittest.main()
