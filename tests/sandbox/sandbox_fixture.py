"""Starts `firebreak sandbox` on a free loopback port for client tests (awscli, boto3).

Used by tests/sandbox/test_*.py (unittest). The binary comes from FIREBREAK_BIN, the world from
examples/worlds unless a test names another. Debian's clients are used explicitly
(/usr/bin/aws, /usr/bin/python3's boto3), never one from a Python virtualenv.
"""
import gzip
import json
import os
import pathlib
import subprocess
import tempfile
import time
import unittest

SRC = pathlib.Path(__file__).resolve().parents[2]
FIREBREAK = os.environ.get("FIREBREAK_BIN", str(SRC / "build/dev/apps/firebreak/firebreak"))
AWS = "/usr/bin/aws"

# Keys from examples/worlds/single-account.yaml (fake).
ALICE = ("AKIAEXAMPLEALICE0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC")  # admin
BOB = ("AKIAEXAMPLEBOB000001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEBOB1")  # read-only


class Sandbox:
    def __init__(self, world="single-account.yaml", extra_args=()):
        """`extra_args`: more `firebreak sandbox` flags, e.g. ("--digest-period", "1")."""
        self.dir = tempfile.mkdtemp(prefix="fb-sandbox-")
        self.data = os.path.join(self.dir, "data")
        port_file = pathlib.Path(self.dir, "port")
        self.log = open(os.path.join(self.dir, "sandbox.log"), "w")
        self.proc = subprocess.Popen(
            [FIREBREAK, "sandbox", "--world", str(SRC / "examples/worlds" / world), "--data", self.data,
             "--port", "0", "--port-file", str(port_file), *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("sandbox did not start: " + pathlib.Path(self.log.name).read_text())
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()

    def env(self, keys=ALICE, region="us-east-1"):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1],
                    "AWS_DEFAULT_REGION": region, "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": ""})
        return env

    def aws(self, *args, keys=ALICE, region="us-east-1", check=True):
        """Runs Debian's awscli v2 against the sandbox; returns (exit code, parsed JSON or text)."""
        proc = subprocess.run([AWS, "--endpoint-url", self.url, "--output", "json", *args],
                              env=self.env(keys, region), capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        out = proc.stdout.strip()
        if proc.returncode != 0:
            return proc.returncode, proc.stderr
        try:
            return proc.returncode, json.loads(out) if out else None
        except json.JSONDecodeError:
            return proc.returncode, proc.stderr if proc.returncode else out

    def boto3(self, service, keys=ALICE, region="us-east-1"):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=keys[0], aws_secret_access_key=keys[1])

    def records(self):
        """Every CloudTrail record written so far (stop() first to flush), in file order."""
        out = []
        for path in sorted(pathlib.Path(self.data, "cloudtrail").rglob("*.json.gz")):
            with gzip.open(path) as f:
                out.extend(json.load(f)["Records"])
        return out


class SandboxTestCase(unittest.TestCase):
    """One sandbox per test class."""
    world = "single-account.yaml"

    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox(cls.world)

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()

    def records_named(self, event_name, match=lambda record: True):
        """Records for `event_name` for which `match` holds, waiting up to 10 s for the trail
        writer to flush them."""
        deadline = time.time() + 10
        while time.time() < deadline:
            found = [r for r in self.sandbox.records() if r["eventName"] == event_name and match(r)]
            if found:
                return found
            time.sleep(0.2)
        return []
