"""Bad input to the sandbox: malformed form bodies, unknown actions, wrong content types, broken
JSON, oversized bodies, garbage on the socket and concurrent writers. Every answer is an
AWS-shaped error, the server keeps serving, and the saved world stays loadable."""
import concurrent.futures
import json
import os
import socket
import subprocess
import unittest
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sandbox_fixture import ALICE, FIREBREAK, SandboxTestCase


class BadInput(SandboxTestCase):
    def signed(self, service, body, content_type, target=None, region="us-east-1"):
        headers = {"Content-Type": content_type}
        if target:
            headers["X-Amz-Target"] = target
        request = AWSRequest(method="POST", url=self.sandbox.url + "/", data=body, headers=headers)
        SigV4Auth(Credentials(*ALICE), service, region).add_auth(request)
        prepared = request.prepare()
        req = urllib.request.Request(prepared.url, data=prepared.body, headers=dict(prepared.headers), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def assert_alive(self):
        _, ident = self.sandbox.aws("sts", "get-caller-identity")
        self.assertEqual(ident["Account"], "111111111111")

    def test_malformed_form_body(self):
        status, body = self.signed("ec2", b"Action=DescribeInstances&Version=2016-11-15&X=%ZZ",
                                   "application/x-www-form-urlencoded")
        self.assertEqual(status, 400)
        self.assertIn("MalformedQueryString", body)
        self.assert_alive()

    def test_unknown_actions_per_protocol(self):
        status, body = self.signed("ec2", b"Action=LaunchMissiles&Version=2016-11-15",
                                   "application/x-www-form-urlencoded")
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidAction</Code>", body)
        self.assertIn("<RequestID>", body)
        status, body = self.signed("iam", b"Action=LaunchMissiles&Version=2010-05-08",
                                   "application/x-www-form-urlencoded")
        self.assertIn("<ErrorResponse", body)
        self.assertIn("InvalidAction", body)
        status, body = self.signed("cloudtrail", b"{}", "application/x-amz-json-1.1",
                                   target="com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LaunchMissiles")
        self.assertEqual(json.loads(body)["__type"], "UnknownOperationException")

    def test_wrong_content_type_and_broken_json(self):
        status, body = self.signed("ec2", b'{"Action":"DescribeInstances"}', "application/json")
        self.assertEqual(status, 400)
        self.assertIn("MissingAction", body)
        status, body = self.signed("cloudtrail", b'{"Name": ', "application/x-amz-json-1.1",
                                   target="CloudTrail_20131101.GetTrailStatus")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["__type"], "SerializationException")
        status, body = self.signed("ssm", b"[1,2]", "application/x-amz-json-1.1", target="AmazonSSM.SendCommand")
        self.assertEqual(json.loads(body)["__type"], "SerializationException")
        self.assert_alive()

    def test_unknown_service(self):
        status, body = self.signed("lambda", b"{}", "application/json")
        self.assertEqual(status, 400)
        self.assertIn("UnrecognizedClientException", body)

    def test_oversized_body_is_refused_and_the_server_survives(self):
        big = b"Action=DescribeInstances&Version=2016-11-15&Pad=" + b"a" * (17 << 20)
        status, body = self.signed("ec2", big, "application/x-www-form-urlencoded")
        self.assertEqual(status, 413)
        self.assertIn("RequestEntityTooLarge", body)
        self.assert_alive()

    def test_garbage_on_the_socket(self):
        for payload in [b"\x00\xff\x10garbage\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n", b"\r\n" * 1000]:
            with socket.create_connection(("127.0.0.1", self.sandbox.port), timeout=10) as s:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                try:
                    s.recv(4096)
                except OSError:
                    pass
        self.assert_alive()

    def test_concurrent_writers_keep_the_world_consistent(self):
        ec2 = self.sandbox.boto3("ec2")
        instance = ec2.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"]

        def tag(i):
            client = self.sandbox.boto3("ec2")
            client.create_tags(Resources=[instance], Tags=[{"Key": f"k{i}", "Value": str(i)}])
            return i

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            done = list(pool.map(tag, range(40)))
        self.assertEqual(len(done), 40)
        tags = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["Tags"]
        keys = {t["Key"] for t in tags}
        self.assertTrue({f"k{i}" for i in range(40)} <= keys)
        # The saved world is complete JSON at every moment (atomic replace).
        with open(os.path.join(self.sandbox.data, "world.json")) as f:
            saved = json.load(f)
        self.assertIn("accounts", saved)


if __name__ == "__main__":
    unittest.main()
