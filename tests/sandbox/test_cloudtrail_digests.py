"""CloudTrail log file integrity validation end to end: `firebreak sandbox --digest-period 1`
delivers a validating trail's log files and signed digest files into its S3 bucket (and beside
them on disk); boto3 reads them back through the S3 API; `firebreak evidence verify-cloudtrail`
validates the chain through the S3 API with the keys from CloudTrail ListPublicKeys, catches a log
file overwritten with PutObject by name, and still validates the untouched copy on disk."""
import gzip
import json
import os
import subprocess
import tempfile
import time
import unittest

from sandbox_fixture import ALICE, AWS, FIREBREAK, Sandbox

ACCOUNT = "111111111111"
BUCKET = "acme-marketing-assets"  # single-account.yaml; not Object Locked, not versioned
PREFIX = "ev"
TRAIL = "evidence-trail"
DIGESTS = f"{PREFIX}/AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/"


class CloudTrailDigests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.box = Sandbox(extra_args=("--digest-period", "1"))
        cls.addClassCleanup(cls.box.stop)
        cls.tmp = tempfile.mkdtemp(prefix="fb-digests-")
        cls.s3 = cls.box.boto3("s3")
        trail = cls.box.boto3("cloudtrail")
        trail.create_trail(Name=TRAIL, S3BucketName=BUCKET, S3KeyPrefix=PREFIX,
                           EnableLogFileValidation=True)
        trail.start_logging(Name=TRAIL)
        ec2 = cls.box.boto3("ec2")
        # Two batches of calls, each in its own log file, then a digest period after the second.
        for batch in (1, 2):
            ec2.describe_instances()
            trail.describe_trails()
            keys = cls.wait_for_digests(lambda keys, listed: listed >= batch)
        keys = cls.wait_for_digests(lambda keys, listed: len(keys) >= 3 and
                                    cls.digest(keys[-1])["logFiles"] == [])
        cls.newest = keys[-1]
        cls.chain = keys
        cls.logs = [f["s3Object"] for k in keys for f in cls.digest(k)["logFiles"]]

    @classmethod
    def wait_for_digests(cls, done):
        """The trail's digest keys once done(keys, log files listed) holds (at most 20 s)."""
        deadline = time.time() + 20
        while True:
            keys = cls.digest_keys()
            if done(keys, sum(len(cls.digest(k)["logFiles"]) for k in keys)):
                return keys
            if time.time() > deadline:
                raise AssertionError(f"digests not as expected: {keys}")
            time.sleep(0.3)

    @classmethod
    def digest_keys(cls):
        out = cls.s3.list_objects_v2(Bucket=BUCKET, Prefix=DIGESTS)
        return sorted(o["Key"] for o in out.get("Contents", []))

    @classmethod
    def digest(cls, key):
        body = cls.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return json.loads(gzip.decompress(body))

    def verify(self, *args, expect=0):
        proc = subprocess.run([FIREBREAK, "evidence", "verify-cloudtrail", "--json", *args],
                              env=self.box.env(ALICE), capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, expect, proc.stdout + proc.stderr)
        return json.loads(proc.stdout)

    def test_1_digests_are_s3_objects_in_cloudtrail_format(self):
        head = self.s3.head_object(Bucket=BUCKET, Key=self.newest)
        self.assertEqual(head["Metadata"]["signature-algorithm"], "SHA256withRSA")
        self.assertEqual(len(head["Metadata"]["signature"]), 512)
        newest = self.digest(self.newest)
        self.assertEqual(newest["awsAccountId"], ACCOUNT)
        self.assertEqual(newest["digestS3Bucket"], BUCKET)
        self.assertEqual(newest["digestS3Object"], self.newest)
        self.assertEqual(newest["digestSignatureAlgorithm"], "SHA256withRSA")
        self.assertEqual(newest["previousDigestS3Object"], self.chain[-2])
        self.assertTrue(self.newest.endswith(".json.gz"))
        self.assertIn(f"/{ACCOUNT}_CloudTrail-Digest_us-east-1_{TRAIL}_us-east-1_", self.newest)
        first = self.digest(self.chain[0])
        self.assertIsNone(first["previousDigestSignature"])
        self.assertIsNone(first["previousDigestS3Object"])
        # Log files are objects too, under the CloudTrail key layout.
        for key in self.logs:
            self.assertTrue(key.startswith(f"{PREFIX}/AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/"))
            records = json.loads(gzip.decompress(
                self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))["Records"]
            self.assertTrue(records)
        # The digest files are beside the log files on disk, with signature sidecars.
        on_disk = os.path.join(self.box.data, "cloudtrail", BUCKET, self.newest)
        self.assertTrue(os.path.isfile(on_disk))
        with open(on_disk + ".sig") as f:
            self.assertEqual(json.load(f)["signature"], head["Metadata"]["signature"])

    def test_2_list_public_keys_with_awscli(self):
        proc = subprocess.run([AWS, "--endpoint-url", self.box.url, "--output", "json", "cloudtrail",
                               "list-public-keys"], env=self.box.env(ALICE), capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        keys = json.loads(proc.stdout)["PublicKeyList"]
        self.assertEqual(len(keys), 1)
        self.assertEqual(keys[0]["Fingerprint"], self.digest(self.newest)["digestPublicKeyFingerprint"])
        self.assertIn("ValidityStartTime", keys[0])
        self.assertIn("ValidityEndTime", keys[0])
        with open(os.path.join(self.tmp, "keys.json"), "w") as f:
            f.write(proc.stdout)

    def test_3_chain_valid_through_s3_then_tampered_log_named(self):
        s3_args = ["--s3", "--endpoint-url", self.box.url, "--region", "us-east-1",
                   "--public-keys", "aws"]
        report = self.verify(*s3_args, "--digest", f"{BUCKET}/{self.newest}")
        self.assertTrue(report["ok"])
        self.assertEqual(report["digests"], {"valid": len(self.chain), "invalid": 0})
        self.assertEqual(report["logs"], {"valid": len(self.logs), "invalid": 0})

        latest = self.verify(*s3_args, "--latest", "--bucket", BUCKET, "--prefix", PREFIX,
                             "--account", ACCOUNT, "--trail", TRAIL)
        self.assertTrue(latest["ok"])
        self.assertGreaterEqual(latest["digests"]["valid"], len(self.chain))

        victim = self.logs[0]
        self.s3.put_object(Bucket=BUCKET, Key=victim,
                           Body=gzip.compress(b'{"Records":[{"eventName":"Nothing"}]}'))
        tampered = self.verify(*s3_args, "--digest", f"{BUCKET}/{self.newest}", expect=1)
        self.assertFalse(tampered["ok"])
        self.assertEqual(tampered["digests"], {"valid": len(self.chain), "invalid": 0})
        self.assertEqual(tampered["logs"], {"valid": len(self.logs) - 1, "invalid": 1})
        bad = [f for f in tampered["files"] if f["status"] != "valid"]
        self.assertEqual(len(bad), 1)
        self.assertEqual(bad[0]["key"], victim)
        self.assertEqual(bad[0]["status"], "hash_mismatch")

        # The copy on disk was not touched: it still validates, with the awscli's key list.
        keys_file = os.path.join(self.tmp, "keys.json")
        if not os.path.exists(keys_file):
            self.skipTest("test_2 did not save the key list")
        local = self.verify("--root", os.path.join(self.box.data, "cloudtrail"),
                            "--digest", f"{BUCKET}/{self.newest}", "--public-keys", keys_file)
        self.assertTrue(local["ok"])
        self.assertEqual(local["digests"]["valid"], len(self.chain))
        self.assertEqual(local["logs"]["valid"], len(self.logs))


if __name__ == "__main__":
    unittest.main()
