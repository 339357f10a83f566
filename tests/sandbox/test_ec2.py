"""EC2 handlers of `firebreak sandbox`, driven by Debian's awscli v2 and boto3.

Every operation is called through both clients; each test checks the reply, the world state
through a follow-up call (or the persisted world.json where EC2 has no describe call for it),
the error answers, bob's denial (read-only keys) and the CloudTrail record.

Run: FIREBREAK_BIN=build/<dir>/apps/firebreak/firebreak python3 -m unittest tests/sandbox/test_ec2.py
"""
import base64
import json
import os
import subprocess
import sys
import time
import unittest

from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sandbox_fixture import ALICE, AWS, BOB, SandboxTestCase  # noqa: E402

ACCOUNT = "111111111111"
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
MISSING_INSTANCE = "i-0123456789abcdef0"


class Ec2TestCase(SandboxTestCase):
    """Helpers shared by the EC2 test classes."""

    def setUp(self):
        self.ec2 = self.sandbox.boto3("ec2")
        self.bob_ec2 = self.sandbox.boto3("ec2", keys=BOB)

    # ---- clients

    def aws(self, *args, keys=ALICE):
        return self.sandbox.aws("ec2", *args, keys=keys)[1]

    def aws_error(self, *args, keys=ALICE):
        """Runs an awscli call that must fail; returns its stderr."""
        proc = subprocess.run([AWS, "--endpoint-url", self.sandbox.url, "--output", "json", "ec2", *args],
                              env=self.sandbox.env(keys), capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 254, proc.stdout + proc.stderr)
        return proc.stderr

    def boto_error(self, fn, **kwargs):
        """Calls a boto3 method that must fail; returns (code, message)."""
        with self.assertRaises(ClientError) as ctx:
            fn(**kwargs)
        error = ctx.exception.response["Error"]
        return error["Code"], error["Message"]

    # ---- world

    def instances(self, **filters):
        """Name tag -> instance, through boto3 DescribeInstances."""
        kwargs = {"Filters": [{"Name": k, "Values": v} for k, v in filters.items()]} if filters else {}
        out = {}
        for reservation in self.ec2.describe_instances(**kwargs)["Reservations"]:
            for instance in reservation["Instances"]:
                tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                out[tags.get("Name", instance["InstanceId"])] = instance
        return out

    def instance_id(self, name):
        return self.instances(**{"tag:Name": [name]})[name]["InstanceId"]

    def group(self, name):
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
        self.assertEqual(len(groups["SecurityGroups"]), 1, name)
        return groups["SecurityGroups"][0]

    def volume(self, volume_id):
        return self.ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]

    def saved_world(self):
        with open(os.path.join(self.sandbox.data, "world.json")) as f:
            return json.load(f)

    # ---- CloudTrail

    def record(self, name, match=lambda r: True, timeout=15):
        """The newest record of `name` for which `match(record)` holds, waiting for the flush."""
        deadline = time.time() + timeout
        while True:
            found = [r for r in self.sandbox.records() if r["eventName"] == name and match(r)]
            if found:
                return found[-1]
            if time.time() > deadline:
                self.fail(f"no CloudTrail record for {name}")
            time.sleep(0.2)

    def check_record(self, record, read_only, arn=ALICE_ARN):
        self.assertEqual(record["eventSource"], "ec2.amazonaws.com")
        self.assertEqual(record["readOnly"], read_only)
        self.assertEqual(record["userIdentity"]["arn"], arn)
        self.assertEqual(record["awsRegion"], "us-east-1")
        self.assertEqual(record["apiVersion"], "2016-11-15")
        self.assertEqual(record["recipientAccountId"], ACCOUNT)
        if "errorCode" not in record and not read_only:
            self.assertEqual(record["responseElements"]["requestId"], record["requestID"])

    def check_denied(self, name, fn, **kwargs):
        """bob is refused `name`; the denial is recorded with Client.UnauthorizedOperation."""
        code, message = self.boto_error(fn, **kwargs)
        self.assertEqual(code, "UnauthorizedOperation")
        self.assertIn(f"{BOB_ARN} is not authorized to perform: ec2:{name}", message)
        record = self.record(name, lambda r: r["userIdentity"]["arn"] == BOB_ARN)
        self.assertEqual(record["errorCode"], "Client.UnauthorizedOperation")
        self.assertIsNone(record["responseElements"])
        return record


class Ec2SingleAccountTest(Ec2TestCase):
    """examples/worlds/single-account.yaml: one custom VPC, no default VPC."""

    # ---- DescribeInstances

    def test_describe_instances(self):
        out = self.aws("describe-instances", "--filters", "Name=tag:env,Values=prod",
                       "Name=instance-state-name,Values=running")
        names = sorted(t["Value"] for r in out["Reservations"] for i in r["Instances"]
                       for t in i["Tags"] if t["Key"] == "Name")
        self.assertEqual(names, ["web-1", "web-2"])
        self.assertEqual(len(out["Reservations"]), 2)  # launched separately
        for reservation in out["Reservations"]:
            self.assertEqual(reservation["OwnerId"], ACCOUNT)
            self.assertTrue(reservation["ReservationId"].startswith("r-"))

        web = self.group("web")
        instances = self.instances(**{"instance.group-id": [web["GroupId"]]})
        self.assertEqual(sorted(instances), ["web-1", "web-2"])
        web1 = instances["web-1"]
        self.assertEqual(web1["InstanceType"], "t3.medium")
        self.assertEqual(web1["ImageId"], "ami-0abcdef1234567890")
        self.assertEqual(web1["Placement"]["AvailabilityZone"], "us-east-1a")
        self.assertEqual(web1["SecurityGroups"], [{"GroupId": web["GroupId"], "GroupName": "web"}])
        self.assertTrue(web1["PrivateIpAddress"].startswith("10.0.1."))
        self.assertTrue(web1["IamInstanceProfile"]["Arn"].endswith(":instance-profile/web-instance-role"))
        self.assertEqual(web1["BlockDeviceMappings"][0]["DeviceName"], "/dev/xvda")
        self.assertTrue(web1["BlockDeviceMappings"][0]["Ebs"]["VolumeId"].startswith("vol-"))

        # Ids, wildcards and the other filters.
        by_id = self.ec2.describe_instances(InstanceIds=[web1["InstanceId"]])["Reservations"]
        self.assertEqual([i["InstanceId"] for r in by_id for i in r["Instances"]], [web1["InstanceId"]])
        self.assertEqual(sorted(self.instances(**{"tag:Name": ["web-*"]})), ["web-1", "web-2"])
        self.assertEqual(sorted(self.instances(**{"tag:Name": ["dev-?"]})), ["dev-1", "dev-2"])
        self.assertEqual(sorted(self.instances(**{"tag-key": ["owner"]})), ["dev-1", "dev-2"])
        self.assertTrue({"web-1", "web-2", "dev-1", "dev-2"} <= set(self.instances(**{"vpc-id": [web1["VpcId"]]})))
        self.assertEqual(sorted(self.instances(**{"subnet-id": [web1["SubnetId"]]})), ["web-1"])
        self.assertEqual(self.instances(**{"tag:env": ["nothing"]}), {})

        # Paging: 4 instances, 5 per page at least; a token past the end is refused.
        page = self.ec2.describe_instances(MaxResults=5)
        self.assertNotIn("NextToken", page)
        self.assertEqual(self.boto_error(self.ec2.describe_instances, MaxResults=5, NextToken="bogus")[0],
                         "InvalidParameterValue")

        record = self.record("DescribeInstances",
                             lambda r: '"tag:env"' in json.dumps(r["requestParameters"]) and
                             '"prod"' in json.dumps(r["requestParameters"]))
        self.check_record(record, read_only=True)
        self.assertEqual(record["requestParameters"]["instancesSet"], {})
        self.assertEqual(record["requestParameters"]["filterSet"]["items"][0],
                         {"name": "tag:env", "valueSet": {"items": [{"value": "prod"}]}})
        self.assertIsNone(record["responseElements"])
        record = self.record("DescribeInstances",
                             lambda r: web1["InstanceId"] in json.dumps(r["requestParameters"]))
        self.assertEqual(record["requestParameters"],
                         {"instancesSet": {"items": [{"instanceId": web1["InstanceId"]}]}, "filterSet": {}})

    def test_describe_instances_errors(self):
        stderr = self.aws_error("describe-instances", "--instance-ids", MISSING_INSTANCE)
        self.assertIn("InvalidInstanceID.NotFound", stderr)
        self.assertIn(f"The instance ID '{MISSING_INSTANCE}' does not exist", stderr)
        code, _ = self.boto_error(self.ec2.describe_instances, InstanceIds=["i-nothex"])
        self.assertEqual(code, "InvalidInstanceID.Malformed")
        code, message = self.boto_error(self.ec2.describe_instances,
                                        Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
        self.assertEqual((code, message), ("InvalidParameterValue", "The filter 'no-such-filter' is invalid"))
        record = self.record("DescribeInstances", lambda r: r.get("errorCode") == "Client.InvalidInstanceID.NotFound")
        self.check_record(record, read_only=True)
        self.assertIn(MISSING_INSTANCE, record["errorMessage"])

        # bob's EC2ReadOnly policy allows Describe*.
        names = set()
        for reservation in self.bob_ec2.describe_instances()["Reservations"]:
            for instance in reservation["Instances"]:
                names.update(t["Value"] for t in instance["Tags"] if t["Key"] == "Name")
        self.assertTrue({"web-1", "web-2", "dev-1", "dev-2"} <= names)
        record = self.record("DescribeInstances", lambda r: r["userIdentity"]["arn"] == BOB_ARN)
        self.check_record(record, read_only=True, arn=BOB_ARN)

    # ---- ModifyInstanceAttribute

    def test_modify_instance_attribute_termination(self):
        web1 = self.instance_id("web-1")
        self.assertIsNone(self.aws("modify-instance-attribute", "--instance-id", web1,
                                   "--disable-api-termination"))
        self.assertTrue(self.saved_world()["instances"][web1]["disable_api_termination"])
        record = self.record("ModifyInstanceAttribute",
                             lambda r: "disableApiTermination" in r["requestParameters"]
                             and r["requestParameters"]["instanceId"] == web1 and "errorCode" not in r)
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"instanceId": web1, "disableApiTermination": {"value": True}})
        self.assertEqual(record["responseElements"]["_return"], True)

        # The older Attribute/Value form, through boto3.
        self.ec2.modify_instance_attribute(InstanceId=web1, Attribute="disableApiTermination", Value="false")
        self.assertFalse(self.saved_world()["instances"][web1]["disable_api_termination"])
        record = self.record("ModifyInstanceAttribute", lambda r: "attribute" in r["requestParameters"])
        self.assertEqual(record["requestParameters"],
                         {"instanceId": web1, "attribute": "disableApiTermination",
                          "value": "<sensitiveDataRemoved>"})

        # DryRun: allowed, nothing changes.
        code, _ = self.boto_error(self.ec2.modify_instance_attribute, InstanceId=web1,
                                  DisableApiTermination={"Value": True}, DryRun=True)
        self.assertEqual(code, "DryRunOperation")
        self.assertFalse(self.saved_world()["instances"][web1]["disable_api_termination"])

        # Errors.
        stderr = self.aws_error("modify-instance-attribute", "--instance-id", MISSING_INSTANCE,
                                "--disable-api-termination")
        self.assertIn(f"The instance ID '{MISSING_INSTANCE}' does not exist", stderr)
        code, message = self.boto_error(self.ec2.modify_instance_attribute, InstanceId=web1)
        self.assertEqual(code, "InvalidParameterCombination")
        record = self.record("ModifyInstanceAttribute",
                             lambda r: r.get("errorCode") == "Client.InvalidInstanceID.NotFound")
        self.assertIsNone(record["responseElements"])

        record = self.check_denied("ModifyInstanceAttribute", self.bob_ec2.modify_instance_attribute,
                                   InstanceId=web1, DisableApiTermination={"Value": True})
        self.assertFalse(self.saved_world()["instances"][web1]["disable_api_termination"])

    def test_modify_instance_attribute_groups(self):
        web2 = self.instance_id("web-2")
        web_lb, dev_ssh = self.group("web-lb")["GroupId"], self.group("dev-ssh")["GroupId"]
        self.ec2.modify_instance_attribute(InstanceId=web2, Groups=[web_lb, dev_ssh])
        groups = self.ec2.describe_instances(InstanceIds=[web2])["Reservations"][0]["Instances"][0]["SecurityGroups"]
        self.assertEqual(groups, [{"GroupId": web_lb, "GroupName": "web-lb"},
                                  {"GroupId": dev_ssh, "GroupName": "dev-ssh"}])
        record = self.record("ModifyInstanceAttribute", lambda r: "errorCode" not in r and len(
            r["requestParameters"].get("groupSet", {}).get("items", [])) == 2)
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"instanceId": web2,
                          "groupSet": {"items": [{"groupId": web_lb}, {"groupId": dev_ssh}]}})

        # awscli --groups replaces the whole set again.
        self.aws("modify-instance-attribute", "--instance-id", web2, "--groups", dev_ssh)
        self.assertEqual(self.instances(**{"instance-id": [web2]})["web-2"]["SecurityGroups"],
                         [{"GroupId": dev_ssh, "GroupName": "dev-ssh"}])

        code, message = self.boto_error(self.ec2.modify_instance_attribute, InstanceId=web2,
                                        Groups=["sg-0123456789abcdef0"])
        self.assertEqual((code, message),
                         ("InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist"))
        self.check_denied("ModifyInstanceAttribute", self.bob_ec2.modify_instance_attribute,
                          InstanceId=web2, Groups=[web_lb])
        self.assertEqual(len(self.instances(**{"instance-id": [web2]})["web-2"]["SecurityGroups"]), 1)

    # ---- StopInstances

    def test_stop_instances(self):
        dev1, dev2 = self.instance_id("dev-1"), self.instance_id("dev-2")
        out = self.aws("stop-instances", "--instance-ids", dev1, "--force")
        change = out["StoppingInstances"][0]
        self.assertEqual(change["InstanceId"], dev1)
        self.assertEqual(change["CurrentState"], {"Code": 64, "Name": "stopping"})
        self.assertEqual(change["PreviousState"], {"Code": 16, "Name": "running"})
        self.assertEqual(self.instances(**{"instance-id": [dev1]})["dev-1"]["State"]["Name"], "stopped")
        record = self.record("StopInstances",
                             lambda r: dev1 in json.dumps(r["requestParameters"]) and "errorCode" not in r)
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"instancesSet": {"items": [{"instanceId": dev1}]}, "force": True})
        self.assertEqual(record["responseElements"]["instancesSet"]["items"][0],
                         {"instanceId": dev1, "currentState": {"code": 64, "name": "stopping"},
                          "previousState": {"code": 16, "name": "running"}})

        # Already stopped: stays stopped.
        change = self.ec2.stop_instances(InstanceIds=[dev2])["StoppingInstances"][0]
        self.assertEqual(change["CurrentState"]["Name"], "stopped")
        self.assertEqual(change["PreviousState"]["Name"], "stopped")
        self.assertEqual(sorted(self.instances(**{"instance-state-name": ["stopped"]})), ["dev-1", "dev-2"])

        stderr = self.aws_error("stop-instances", "--instance-ids", dev1, MISSING_INSTANCE)
        self.assertIn("InvalidInstanceID.NotFound", stderr)
        self.check_denied("StopInstances", self.bob_ec2.stop_instances, InstanceIds=[self.instance_id("web-1")])
        self.assertEqual(self.instances(**{"tag:Name": ["web-1"]})["web-1"]["State"]["Name"], "running")
        code, _ = self.boto_error(self.ec2.stop_instances, InstanceIds=[self.instance_id("web-1")], DryRun=True)
        self.assertEqual(code, "DryRunOperation")
        self.assertEqual(self.instances(**{"tag:Name": ["web-1"]})["web-1"]["State"]["Name"], "running")

    # ---- DescribeVolumes and CreateSnapshot

    def test_describe_volumes(self):
        dev1 = self.instance_id("dev-1")
        out = self.aws("describe-volumes", "--filters", f"Name=attachment.instance-id,Values={dev1}")
        sizes = sorted(v["Size"] for v in out["Volumes"])
        self.assertEqual(sizes, [8, 50])
        for volume in out["Volumes"]:
            self.assertEqual(volume["State"], "in-use")
            self.assertEqual(volume["Attachments"][0]["InstanceId"], dev1)
            self.assertEqual(volume["Attachments"][0]["State"], "attached")
        data = self.ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": ["dev-1-data"]}])["Volumes"]
        self.assertEqual(len(data), 1)
        self.assertEqual((data[0]["Size"], data[0]["VolumeType"]), (50, "gp2"))
        self.assertEqual(data[0]["Attachments"][0]["Device"], "/dev/sdf")
        same = self.ec2.describe_volumes(VolumeIds=[data[0]["VolumeId"]],
                                         Filters=[{"Name": "status", "Values": ["in-use"]}])["Volumes"]
        self.assertEqual([v["VolumeId"] for v in same], [data[0]["VolumeId"]])
        self.assertEqual(self.ec2.describe_volumes(Filters=[{"Name": "status", "Values": ["available"]}])["Volumes"], [])

        stderr = self.aws_error("describe-volumes", "--volume-ids", "vol-0123456789abcdef0")
        self.assertIn("InvalidVolume.NotFound", stderr)
        self.assertIn("The volume 'vol-0123456789abcdef0' does not exist.", stderr)
        self.assertEqual(self.boto_error(self.ec2.describe_volumes, VolumeIds=["volume-1"])[0],
                         "InvalidVolumeID.Malformed")
        self.assertEqual(len(self.bob_ec2.describe_volumes()["Volumes"]), len(self.ec2.describe_volumes()["Volumes"]))

        record = self.record("DescribeVolumes", lambda r: dev1 in json.dumps(r["requestParameters"]))
        self.check_record(record, read_only=True)
        self.assertEqual(record["requestParameters"],
                         {"volumeSet": {}, "filterSet": {"items": [
                             {"name": "attachment.instance-id", "valueSet": {"items": [{"value": dev1}]}}]}})
        self.assertIsNone(record["responseElements"])
        record = self.record("DescribeVolumes", lambda r: r.get("errorCode") == "Client.InvalidVolume.NotFound")
        self.assertEqual(record["requestParameters"]["volumeSet"],
                         {"items": [{"volumeId": "vol-0123456789abcdef0"}]})

    def test_create_snapshot(self):
        data = self.ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": ["dev-1-data"]}])["Volumes"][0]
        out = self.aws("create-snapshot", "--volume-id", data["VolumeId"], "--description", "IR evidence",
                       "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=case,Value=IR-1}]")
        self.assertTrue(out["SnapshotId"].startswith("snap-"))
        self.assertEqual(out["State"], "pending")
        self.assertEqual(out["VolumeId"], data["VolumeId"])
        self.assertEqual(out["VolumeSize"], 50)
        self.assertEqual(out["OwnerId"], ACCOUNT)
        self.assertEqual(out["Description"], "IR evidence")
        self.assertEqual(out["Tags"], [{"Key": "case", "Value": "IR-1"}])
        saved = self.saved_world()["snapshots"][out["SnapshotId"]]
        self.assertEqual(saved["volume_id"], data["VolumeId"])
        self.assertEqual(saved["tags"], {"case": "IR-1"})
        # The snapshot is a real resource: it can be tagged.
        self.ec2.create_tags(Resources=[out["SnapshotId"]], Tags=[{"Key": "sealed", "Value": "yes"}])
        self.assertEqual(self.saved_world()["snapshots"][out["SnapshotId"]]["tags"],
                         {"case": "IR-1", "sealed": "yes"})

        record = self.record("CreateSnapshot", lambda r: r["responseElements"] and
                             r["responseElements"]["snapshotId"] == out["SnapshotId"])
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"volumeId": data["VolumeId"], "description": "IR evidence",
                          "tagSpecificationSet": {"items": [{"resourceType": "snapshot",
                                                             "tags": [{"key": "case", "value": "IR-1"}]}]}})
        self.assertEqual(record["responseElements"]["status"], "pending")
        self.assertEqual(record["responseElements"]["volumeSize"], 50)

        root = self.instances(**{"tag:Name": ["web-1"]})["web-1"]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        snap = self.ec2.create_snapshot(VolumeId=root)
        self.assertEqual((snap["State"], snap["VolumeSize"], snap["Encrypted"]), ("pending", 8, False))

        code, message = self.boto_error(self.ec2.create_snapshot, VolumeId="vol-0123456789abcdef0")
        self.assertEqual((code, message), ("InvalidVolume.NotFound", "The volume 'vol-0123456789abcdef0' does not exist."))
        code, _ = self.boto_error(self.ec2.create_snapshot, VolumeId=root, TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]}])
        self.assertEqual(code, "InvalidParameterValue")
        self.check_denied("CreateSnapshot", self.bob_ec2.create_snapshot, VolumeId=root)

    # ---- CreateTags

    def test_create_tags(self):
        web2 = self.instances(**{"tag:Name": ["web-2"]})["web-2"]
        root = web2["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        self.assertIsNone(self.aws("create-tags", "--resources", web2["InstanceId"], root,
                                   "--tags", "Key=quarantine,Value=true", "Key=case,Value=IR-7"))
        self.assertEqual(sorted(self.instances(**{"tag:quarantine": ["true"]})), ["web-2"])
        self.assertEqual({t["Key"]: t["Value"] for t in self.volume(root)["Tags"]},
                         {"quarantine": "true", "case": "IR-7"})
        record = self.record("CreateTags", lambda r: web2["InstanceId"] in json.dumps(r["requestParameters"]))
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"resourcesSet": {"items": [{"resourceId": web2["InstanceId"]}, {"resourceId": root}]},
                          "tagSet": {"items": [{"key": "quarantine", "value": "true"},
                                               {"key": "case", "value": "IR-7"}]}})
        self.assertEqual(record["responseElements"]["_return"], True)

        group = self.group("dev-ssh")
        self.ec2.create_tags(Resources=[group["GroupId"]], Tags=[{"Key": "finding", "Value": "open-ssh"}])
        found = self.ec2.describe_security_groups(Filters=[{"Name": "tag:finding", "Values": ["open-ssh"]}])
        self.assertEqual([g["GroupName"] for g in found["SecurityGroups"]], ["dev-ssh"])

        # A missing resource fails the whole call: nothing is tagged.
        web1 = self.instance_id("web-1")
        stderr = self.aws_error("create-tags", "--resources", web1, MISSING_INSTANCE, "--tags", "Key=x,Value=y")
        self.assertIn("InvalidInstanceID.NotFound", stderr)
        self.assertEqual(self.instances(**{"tag-key": ["x"]}), {})
        self.assertEqual(self.boto_error(self.ec2.create_tags, Resources=["bucket-1"],
                                         Tags=[{"Key": "x", "Value": "y"}])[0], "InvalidID")
        self.assertEqual(self.boto_error(self.ec2.create_tags, Resources=[web1],
                                         Tags=[{"Key": "aws:owner", "Value": "y"}])[0], "InvalidParameterValue")
        self.check_denied("CreateTags", self.bob_ec2.create_tags, Resources=[web1],
                          Tags=[{"Key": "x", "Value": "y"}])
        self.assertEqual(self.instances(**{"tag-key": ["x"]}), {})

    # ---- Security groups

    def test_describe_security_groups(self):
        out = self.aws("describe-security-groups", "--group-ids", self.group("web")["GroupId"])
        web = out["SecurityGroups"][0]
        self.assertEqual((web["GroupName"], web["Description"], web["OwnerId"]), ("web", "Web servers", ACCOUNT))
        web_lb = self.group("web-lb")
        by_port = {p["FromPort"]: p for p in web["IpPermissions"]}
        self.assertEqual(by_port[80]["UserIdGroupPairs"][0]["GroupId"], web_lb["GroupId"])
        self.assertEqual(by_port[80]["UserIdGroupPairs"][0]["UserId"], ACCOUNT)
        self.assertEqual(by_port[22]["IpRanges"], [{"CidrIp": "203.0.113.0/24", "Description": "office"}])
        self.assertEqual(web["IpPermissionsEgress"][0]["IpProtocol"], "-1")
        self.assertEqual(web["IpPermissionsEgress"][0]["IpRanges"], [{"CidrIp": "0.0.0.0/0"}])

        open_world = self.ec2.describe_security_groups(
            Filters=[{"Name": "ip-permission.cidr", "Values": ["0.0.0.0/0"]},
                     {"Name": "ip-permission.from-port", "Values": ["22"]}])["SecurityGroups"]
        self.assertEqual([g["GroupName"] for g in open_world], ["dev-ssh"])
        in_vpc = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [web["VpcId"]]}])
        self.assertEqual(sorted(g["GroupName"] for g in in_vpc["SecurityGroups"]),
                         ["default", "dev-ssh", "web", "web-lb"])

        stderr = self.aws_error("describe-security-groups", "--group-ids", "sg-0123456789abcdef0")
        self.assertIn("InvalidGroup.NotFound", stderr)
        self.assertIn("The security group 'sg-0123456789abcdef0' does not exist", stderr)
        # Names address the default VPC only, and this world has none.
        self.assertEqual(self.boto_error(self.ec2.describe_security_groups, GroupNames=["web"])[0],
                         "VPCIdNotSpecified")
        self.assertEqual(len(self.bob_ec2.describe_security_groups()["SecurityGroups"]), len(
            self.ec2.describe_security_groups()["SecurityGroups"]))

        record = self.record("DescribeSecurityGroups", lambda r: web["GroupId"] in json.dumps(r["requestParameters"]))
        self.check_record(record, read_only=True)
        self.assertEqual(record["requestParameters"],
                         {"securityGroupSet": {}, "securityGroupIdSet": {"items": [{"groupId": web["GroupId"]}]},
                          "filterSet": {}})
        self.assertIsNone(record["responseElements"])

    def test_security_group_lifecycle(self):
        vpc = self.group("web")["VpcId"]
        # CreateSecurityGroup
        out = self.aws("create-security-group", "--group-name", "quarantine", "--description", "no traffic",
                       "--vpc-id", vpc)
        group_id = out["GroupId"]
        created = self.group("quarantine")
        self.assertEqual((created["GroupId"], created["VpcId"], created["Description"]),
                         (group_id, vpc, "no traffic"))
        self.assertEqual(created["IpPermissions"], [])
        self.assertEqual(created["IpPermissionsEgress"][0]["IpProtocol"], "-1")
        self.assertEqual(created["IpPermissionsEgress"][0]["IpRanges"], [{"CidrIp": "0.0.0.0/0"}])
        record = self.record("CreateSecurityGroup", lambda r: r["requestParameters"]["groupName"] == "quarantine"
                             and "errorCode" not in r)
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"groupName": "quarantine", "groupDescription": "no traffic", "vpcId": vpc})
        self.assertEqual(record["responseElements"]["groupId"], group_id)
        self.assertEqual(record["responseElements"]["_return"], True)

        tagged = self.ec2.create_security_group(GroupName="forensics", Description="analysis host", VpcId=vpc,
                                                TagSpecifications=[{"ResourceType": "security-group",
                                                                    "Tags": [{"Key": "case", "Value": "IR-1"}]}])
        self.assertEqual(self.group("forensics")["Tags"], [{"Key": "case", "Value": "IR-1"}])
        self.assertTrue(tagged["GroupId"].startswith("sg-"))

        stderr = self.aws_error("create-security-group", "--group-name", "quarantine", "--description", "x",
                                "--vpc-id", vpc)
        self.assertIn("InvalidGroup.Duplicate", stderr)
        self.assertIn(f"The security group 'quarantine' already exists for VPC '{vpc}'", stderr)
        self.assertEqual(self.boto_error(self.ec2.create_security_group, GroupName="x", Description="x",
                                         VpcId="vpc-0123456789abcdef0")[0], "InvalidVpcID.NotFound")
        self.assertEqual(self.boto_error(self.ec2.create_security_group, GroupName="x", Description="x")[0],
                         "VPCIdNotSpecified")
        self.check_denied("CreateSecurityGroup", self.bob_ec2.create_security_group, GroupName="bobs",
                          Description="x", VpcId=vpc)

        # AuthorizeSecurityGroupIngress: structured form through awscli.
        out = self.aws("authorize-security-group-ingress", "--group-id", group_id, "--ip-permissions",
                       "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=10.0.0.0/8,Description=ssh}]")
        self.assertTrue(out["Return"])
        rule = out["SecurityGroupRules"][0]
        self.assertTrue(rule["SecurityGroupRuleId"].startswith("sgr-"))
        self.assertEqual((rule["GroupId"], rule["GroupOwnerId"], rule["IsEgress"], rule["IpProtocol"],
                          rule["FromPort"], rule["ToPort"], rule["CidrIpv4"], rule["Description"]),
                         (group_id, ACCOUNT, False, "tcp", 22, 22, "10.0.0.0/8", "ssh"))
        record = self.record("AuthorizeSecurityGroupIngress",
                             lambda r: "10.0.0.0/8" in json.dumps(r["requestParameters"]) and "errorCode" not in r)
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"groupId": group_id, "ipPermissions": {"items": [
                             {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": {},
                              "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8", "description": "ssh"}]},
                              "ipv6Ranges": {}, "prefixListIds": {}}]}})
        self.assertEqual(record["responseElements"]["securityGroupRuleSet"]["items"][0]["cidrIpv4"], "10.0.0.0/8")

        # boto3: a group source and an IPv6 range on one permission; the legacy flat form.
        web_lb = self.group("web-lb")["GroupId"]
        out = self.ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": web_lb}],
             "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
        self.assertEqual(len(out["SecurityGroupRules"]), 2)
        self.ec2.authorize_security_group_ingress(GroupId=group_id, IpProtocol="udp", FromPort=53, ToPort=53,
                                                  CidrIp="192.0.2.0/24")
        legacy = self.record("AuthorizeSecurityGroupIngress", lambda r: "cidrIp" in r["requestParameters"])
        self.assertEqual(legacy["requestParameters"],
                         {"groupId": group_id, "cidrIp": "192.0.2.0/24", "ipProtocol": "udp", "fromPort": 53,
                          "toPort": 53, "ipPermissions": {}})
        perms = {p["FromPort"]: p for p in self.group("quarantine")["IpPermissions"]}
        self.assertEqual(perms[22]["IpRanges"], [{"CidrIp": "10.0.0.0/8", "Description": "ssh"}])
        self.assertEqual(perms[443]["UserIdGroupPairs"][0]["GroupId"], web_lb)
        self.assertEqual(perms[443]["Ipv6Ranges"], [{"CidrIpv6": "2001:db8::/32"}])
        self.assertEqual((perms[53]["IpProtocol"], perms[53]["IpRanges"]), ("udp", [{"CidrIp": "192.0.2.0/24"}]))

        stderr = self.aws_error("authorize-security-group-ingress", "--group-id", group_id, "--protocol", "tcp",
                                "--port", "22", "--cidr", "10.0.0.0/8")
        self.assertIn("InvalidPermission.Duplicate", stderr)
        self.assertIn('the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already exists',
                      stderr)
        self.assertEqual(self.boto_error(self.ec2.authorize_security_group_ingress, GroupId="sg-0123456789abcdef0",
                                         IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "1.2.3.4/32"}]}])[0],
                         "InvalidGroup.NotFound")
        self.assertEqual(self.boto_error(self.ec2.authorize_security_group_ingress, GroupId=group_id,
                                         IpPermissions=[{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2,
                                                         "IpRanges": [{"CidrIp": "10.0.0/8"}]}])[0],
                         "InvalidParameterValue")
        self.check_denied("AuthorizeSecurityGroupIngress", self.bob_ec2.authorize_security_group_ingress,
                          GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "1.2.3.4/32"}]}])

        # RevokeSecurityGroupIngress
        self.assertEqual(self.aws("revoke-security-group-ingress", "--group-id", group_id, "--protocol", "tcp",
                                  "--port", "22", "--cidr", "10.0.0.0/8"), {"Return": True})
        self.assertNotIn(22, {p["FromPort"] for p in self.group("quarantine")["IpPermissions"]})
        out = self.ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": web_lb}],
             "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
        self.assertTrue(out["Return"])
        self.assertEqual([p["FromPort"] for p in self.group("quarantine")["IpPermissions"]], [53])
        record = self.record("RevokeSecurityGroupIngress",
                             lambda r: "2001:db8::/32" in json.dumps(r["requestParameters"]) and "errorCode" not in r)
        self.check_record(record, read_only=False)
        self.assertEqual(record["responseElements"], {"requestId": record["requestID"], "_return": True})
        code, message = self.boto_error(self.ec2.revoke_security_group_ingress, GroupId=group_id, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        self.assertEqual((code, message),
                         ("InvalidPermission.NotFound", "The specified rule does not exist in this security group."))
        record = self.record("RevokeSecurityGroupIngress",
                             lambda r: r.get("errorCode") == "Client.InvalidPermission.NotFound")
        self.assertIsNone(record["responseElements"])
        self.check_denied("RevokeSecurityGroupIngress", self.bob_ec2.revoke_security_group_ingress,
                          GroupId=group_id, IpPermissions=[{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                                                            "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}])
        self.assertEqual([p["FromPort"] for p in self.group("quarantine")["IpPermissions"]], [53])

        # RevokeSecurityGroupEgress: take away AWS's default allow-all rule.
        self.check_denied("RevokeSecurityGroupEgress", self.bob_ec2.revoke_security_group_egress,
                          GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.aws("revoke-security-group-egress", "--group-id", group_id, "--ip-permissions",
                 "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]")
        self.assertEqual(self.group("quarantine")["IpPermissionsEgress"], [])
        record = self.record("RevokeSecurityGroupEgress", lambda r: "errorCode" not in r)
        self.check_record(record, read_only=False)
        self.assertEqual(record["requestParameters"],
                         {"groupId": group_id, "ipPermissions": {"items": [
                             {"ipProtocol": "-1", "groups": {}, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
                              "ipv6Ranges": {}, "prefixListIds": {}}]}})
        self.assertEqual(record["responseElements"]["_return"], True)
        code, _ = self.boto_error(self.ec2.revoke_security_group_egress, GroupId=group_id, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.assertEqual(code, "InvalidPermission.NotFound")
        self.assertEqual(self.boto_error(self.ec2.revoke_security_group_egress, GroupId="sg-0123456789abcdef0",
                                         IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])[0],
                         "InvalidGroup.NotFound")

    # ---- RunInstances

    def test_run_instances(self):
        web_a = self.instances(**{"tag:Name": ["web-1"]})["web-1"]["SubnetId"]
        web = self.group("web")["GroupId"]
        secret = "#!/bin/sh\necho hunter2-secret\n"
        out = self.aws("run-instances", "--image-id", "ami-0abcdef1234567890", "--instance-type", "t3.micro",
                       "--count", "1", "--subnet-id", web_a, "--security-group-ids", web, "--key-name", "ir-key",
                       "--user-data", secret, "--tag-specifications",
                       "ResourceType=instance,Tags=[{Key=Name,Value=forensics}]")
        launched = out["Instances"][0]
        self.assertEqual(out["OwnerId"], ACCOUNT)
        self.assertEqual(launched["State"], {"Code": 0, "Name": "pending"})
        self.assertEqual((launched["ImageId"], launched["InstanceType"], launched["SubnetId"], launched["KeyName"]),
                         ("ami-0abcdef1234567890", "t3.micro", web_a, "ir-key"))
        self.assertEqual(launched["SecurityGroups"], [{"GroupId": web, "GroupName": "web"}])
        self.assertEqual(launched["Tags"], [{"Key": "Name", "Value": "forensics"}])

        described = self.instances(**{"tag:Name": ["forensics"]})["forensics"]
        self.assertEqual(described["State"]["Name"], "running")
        self.assertTrue(described["PrivateIpAddress"].startswith("10.0.1."))
        self.assertNotEqual(described["PrivateIpAddress"], self.instances(**{"tag:Name": ["web-1"]})["web-1"]["PrivateIpAddress"])
        root = described["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        volume = self.volume(root)
        self.assertEqual((volume["State"], volume["Size"]), ("in-use", 8))
        self.assertEqual(volume["Attachments"][0]["InstanceId"], launched["InstanceId"])

        record = self.record("RunInstances", lambda r: "errorCode" not in r and "userData" in r["requestParameters"])
        self.check_record(record, read_only=False)
        params = record["requestParameters"]
        self.assertEqual(params["instancesSet"],
                         {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1,
                                     "keyName": "ir-key"}]})
        self.assertEqual(params["userData"], "<sensitiveDataRemoved>")
        self.assertEqual(params["groupSet"], {"items": [{"groupId": web}]})
        self.assertEqual(params["instanceType"], "t3.micro")
        self.assertEqual(params["subnetId"], web_a)
        text = json.dumps(record)
        self.assertNotIn("hunter2", text)
        self.assertNotIn(base64.b64encode(secret.encode()).decode()[:16], text)
        response = record["responseElements"]
        self.assertEqual(response["reservationId"], out["ReservationId"])
        self.assertEqual(response["instancesSet"]["items"][0]["instanceId"], launched["InstanceId"])
        self.assertEqual(response["instancesSet"]["items"][0]["instanceState"], {"code": 0, "name": "pending"})

        # boto3: two at once share a reservation; without groups they get the VPC's default group.
        pair = self.ec2.run_instances(ImageId="ami-0fedcba9876543210", MinCount=2, MaxCount=2, SubnetId=web_a)
        self.assertEqual(len(pair["Instances"]), 2)
        reservations = self.ec2.describe_instances(
            Filters=[{"Name": "reservation-id", "Values": [pair["ReservationId"]]}])["Reservations"]
        self.assertEqual(len(reservations), 1)
        self.assertEqual(len(reservations[0]["Instances"]), 2)
        self.assertEqual({i["SecurityGroups"][0]["GroupName"] for i in reservations[0]["Instances"]}, {"default"})
        self.assertEqual(reservations[0]["Instances"][0]["InstanceType"], "m1.small")

        stderr = self.aws_error("run-instances", "--image-id", "ami-0abcdef1234567890", "--count", "1")
        self.assertIn("VPCIdNotSpecified", stderr)
        self.assertEqual(self.boto_error(self.ec2.run_instances, ImageId="ami-0abcdef1234567890", MinCount=1,
                                         MaxCount=1, SubnetId="subnet-0123456789abcdef0")[0], "InvalidSubnetID.NotFound")
        self.assertEqual(self.boto_error(self.ec2.run_instances, ImageId="image-1", MinCount=1, MaxCount=1,
                                         SubnetId=web_a)[0], "InvalidAMIID.Malformed")
        self.assertEqual(self.boto_error(self.ec2.run_instances, ImageId="ami-0abcdef1234567890", MinCount=3,
                                         MaxCount=2, SubnetId=web_a)[0], "InvalidParameterValue")
        self.assertEqual(self.boto_error(self.ec2.run_instances, ImageId="ami-0abcdef1234567890", MinCount=1,
                                         MaxCount=1, SubnetId=web_a,
                                         SecurityGroupIds=["sg-0123456789abcdef0"])[0], "InvalidGroup.NotFound")
        before = len(self.ec2.describe_instances()["Reservations"])
        self.check_denied("RunInstances", self.bob_ec2.run_instances, ImageId="ami-0abcdef1234567890",
                          MinCount=1, MaxCount=1, SubnetId=web_a)
        self.assertEqual(len(self.ec2.describe_instances()["Reservations"]), before)


class Ec2DefaultVpcTest(Ec2TestCase):
    """examples/worlds/test-ec2.yaml: a default VPC and a lab VPC."""
    world = "test-ec2.yaml"

    def test_default_vpc_fallbacks(self):
        default_vpc = self.group("web")["VpcId"]
        # RunInstances without a subnet lands in the default VPC's first AZ with its default group.
        out = self.aws("run-instances", "--image-id", "ami-0abcdef1234567890", "--instance-type", "t3.nano",
                       "--count", "1")
        launched = out["Instances"][0]
        self.assertEqual(launched["VpcId"], default_vpc)
        self.assertEqual(launched["Placement"]["AvailabilityZone"], "us-east-1a")
        self.assertEqual(launched["SecurityGroups"][0]["GroupName"], "default")
        # CreateSecurityGroup without a VPC, then GroupName addressing.
        group_id = self.ec2.create_security_group(GroupName="ir-isolate", Description="isolation")["GroupId"]
        named = self.ec2.describe_security_groups(GroupNames=["ir-isolate", "web"])["SecurityGroups"]
        self.assertEqual(sorted(g["GroupId"] for g in named), sorted([group_id, self.group("web")["GroupId"]]))
        self.assertEqual(self.group("ir-isolate")["VpcId"], default_vpc)
        code, message = self.boto_error(self.ec2.describe_security_groups, GroupNames=["lab-ssh"])
        self.assertEqual((code, message), ("InvalidGroup.NotFound",
                                           f"The security group 'lab-ssh' does not exist in default VPC '{default_vpc}'"))
        record = self.record("DescribeSecurityGroups", lambda r: r["requestParameters"]["securityGroupSet"] != {}
                             and "errorCode" not in r)
        self.assertEqual(record["requestParameters"]["securityGroupSet"],
                         {"items": [{"groupName": "ir-isolate"}, {"groupName": "web"}]})
        # The same name may exist once per VPC.
        lab_vpc = self.group("lab-ssh")["VpcId"]
        self.ec2.create_security_group(GroupName="ir-isolate", Description="isolation", VpcId=lab_vpc)
        self.assertEqual(len(self.ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["ir-isolate"]}])["SecurityGroups"]), 2)
        self.assertEqual(self.boto_error(self.ec2.create_security_group, GroupName="default",
                                         Description="x")[0], "InvalidGroup.Reserved")

    def test_cross_vpc_groups_are_refused(self):
        lab1 = self.instance_id("lab-1")
        web = self.group("web")["GroupId"]
        lab_vpc = self.group("lab-ssh")["VpcId"]
        code, message = self.boto_error(self.ec2.modify_instance_attribute, InstanceId=lab1, Groups=[web])
        self.assertEqual((code, message),
                         ("InvalidGroup.NotFound", f"The security group '{web}' does not exist in VPC '{lab_vpc}'"))
        self.assertEqual(self.instances(**{"instance-id": [lab1]})["lab-1"]["SecurityGroups"][0]["GroupName"], "lab-ssh")
        lab_a = self.instances(**{"instance-id": [lab1]})["lab-1"]["SubnetId"]
        code, _ = self.boto_error(self.ec2.run_instances, ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=1,
                                  SubnetId=lab_a, SecurityGroupIds=[web])
        self.assertEqual(code, "InvalidParameter")

    def test_full_subnet(self):
        # lab-a is a /28: 16 addresses, 4 reserved, the last one unusable, lab-1 holds one.
        lab_a = self.instances(**{"tag:Name": ["lab-1"]})["lab-1"]["SubnetId"]
        code, _ = self.boto_error(self.ec2.run_instances, ImageId="ami-0abcdef1234567890", MinCount=12, MaxCount=12,
                                  SubnetId=lab_a)
        self.assertEqual(code, "InsufficientFreeAddressesInSubnet")
        self.assertEqual(len(self.instances(**{"subnet-id": [lab_a]})), 1)
        out = self.ec2.run_instances(ImageId="ami-0abcdef1234567890", MinCount=1, MaxCount=20, SubnetId=lab_a)
        self.assertEqual(len(out["Instances"]), 10)
        ips = {i["PrivateIpAddress"] for i in self.instances(**{"subnet-id": [lab_a]}).values()}
        self.assertEqual(len(ips), 11)


if __name__ == "__main__":
    unittest.main()
