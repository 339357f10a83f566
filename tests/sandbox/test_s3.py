"""S3 handlers of `firebreak sandbox`, driven by Debian's awscli v2 and boto3.

Covers PutObject (metadata, Content-MD5, Object Lock / WORM), GetObject and HeadObject,
ListObjects v1 and v2 (prefix, delimiter, pagination, url encoding), ListBuckets,
Put/GetBucketPublicAccessBlock,
GetBucketPolicy and DeleteBucketPolicy, path-style and virtual-hosted addressing, IAM denials for
bob, and the CloudTrail records of each call. World: examples/worlds/test-s3.yaml.

Run: FIREBREAK_BIN=build/<dir>/apps/firebreak/firebreak /usr/bin/python3 -m unittest \
     tests/sandbox/test_s3.py -v
"""
import base64
import datetime
import hashlib
import http.client
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox_fixture import ALICE, BOB, SandboxTestCase  # noqa: E402

ACCOUNT = "111111111111"
ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
VAULT = "acme-evidence-vault"
DATA = "acme-data"


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


class S3Test(SandboxTestCase):
    world = "test-s3.yaml"

    # ---- helpers -------------------------------------------------------------------------------

    def s3(self, keys=ALICE, region="us-east-1"):
        return self.sandbox.boto3("s3", keys=keys, region=region)

    def aws_error(self, *args, keys=ALICE, region="us-east-1"):
        code, out = self.sandbox.aws(*args, keys=keys, region=region, check=False)
        self.assertNotEqual(code, 0, out)
        return out  # stderr text

    def client_error(self, fn, **kwargs):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            fn(**kwargs)
        return ctx.exception.response

    def raw(self, method, path, body=b"", host=None, headers=None, keys=ALICE, region="us-east-1"):
        """A SigV4-signed request sent as is (custom Host headers, malformed bodies)."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        host = host or f"127.0.0.1:{self.sandbox.port}"
        request = AWSRequest(method=method, url=f"http://{host}{path}", data=body,
                             headers=dict(headers or {}))
        S3SigV4Auth(Credentials(*keys), "s3", region).add_auth(request)
        sent = dict(request.headers.items())
        sent["Host"] = host
        conn = http.client.HTTPConnection("127.0.0.1", self.sandbox.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def records_where(self, name, predicate):
        import time
        deadline = time.time() + 5
        while time.time() < deadline:
            found = [r for r in self.sandbox.records() if r["eventName"] == name and predicate(r)]
            if found:
                return found
            time.sleep(0.2)
        self.fail(f"no {name} record matched")

    def assert_s3_record(self, record, read_only, data_event, arn=ALICE_ARN):
        self.assertEqual(record["eventSource"], "s3.amazonaws.com")
        self.assertEqual(record["readOnly"], read_only)
        self.assertEqual(record["managementEvent"], not data_event)
        self.assertEqual(record["eventCategory"], "Data" if data_event else "Management")
        self.assertEqual(record["userIdentity"]["arn"], arn)
        self.assertEqual(record["awsRegion"], "us-east-1")
        extra = record["additionalEventData"]
        self.assertEqual(extra["SignatureVersion"], "SigV4")
        self.assertEqual(extra["AuthenticationMethod"], "AuthHeader")
        self.assertIn("bytesTransferredIn", extra)
        self.assertIn("bytesTransferredOut", extra)

    # ---- PutObject / GetObject -----------------------------------------------------------------

    def test_put_and_get_object_awscli(self):
        body = b"incident notes\nline 2\n"
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(body)
        _, put = self.sandbox.aws("s3api", "put-object", "--bucket", DATA, "--key", "notes/cli.txt",
                                  "--body", f.name, "--content-type", "text/plain",
                                  "--metadata", "case=IR-7,analyst=alice")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        self.assertNotIn("VersionId", put)  # acme-data is not versioned
        out = f.name + ".out"
        _, got = self.sandbox.aws("s3api", "get-object", "--bucket", DATA, "--key", "notes/cli.txt", out)
        with open(out, "rb") as downloaded:
            self.assertEqual(downloaded.read(), body)
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(got["ContentLength"], len(body))
        self.assertEqual(got["Metadata"], {"case": "IR-7", "analyst": "alice"})
        self.assertEqual(got["ETag"], put["ETag"])
        self.assertIn("LastModified", got)

        record = self.records_where("PutObject", lambda r: r["requestParameters"].get("key") == "notes/cli.txt")[0]
        self.assert_s3_record(record, read_only=False, data_event=True)
        self.assertEqual(record["requestParameters"]["bucketName"], DATA)
        self.assertIn("Host", record["requestParameters"])
        self.assertEqual(record["additionalEventData"]["bytesTransferredIn"], len(body))
        self.assertEqual(record["responseElements"], {"x-amz-server-side-encryption": "AES256"})
        self.assertEqual(record["resources"][0], {"type": "AWS::S3::Object",
                                                  "ARN": f"arn:aws:s3:::{DATA}/notes/cli.txt"})
        self.assertEqual(record["resources"][1]["type"], "AWS::S3::Bucket")
        self.assertEqual(record["resources"][1]["accountId"], ACCOUNT)
        got_record = self.records_where("GetObject", lambda r: r["requestParameters"].get("key") == "notes/cli.txt")[0]
        self.assert_s3_record(got_record, read_only=True, data_event=True)
        self.assertEqual(got_record["additionalEventData"]["bytesTransferredOut"], len(body))
        self.assertIsNone(got_record.get("responseElements"))

    def test_put_and_get_object_boto3(self):
        s3 = self.s3()
        put = s3.put_object(Bucket=DATA, Key="notes/sdk report.txt", Body=b"from boto3",
                            Metadata={"Source": "sdk"})
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(b"from boto3").hexdigest())
        got = s3.get_object(Bucket=DATA, Key="notes/sdk report.txt")
        self.assertEqual(got["Body"].read(), b"from boto3")
        self.assertEqual(got["Metadata"], {"source": "sdk"})
        self.assertEqual(got["ContentType"], "binary/octet-stream")
        head = s3.head_object(Bucket=DATA, Key="notes/sdk report.txt")
        self.assertEqual(head["ContentLength"], 10)
        self.assertEqual(head["ETag"], put["ETag"])
        # Overwrite in an unversioned bucket: the new bytes replace the old.
        s3.put_object(Bucket=DATA, Key="notes/sdk report.txt", Body=b"second")
        self.assertEqual(s3.get_object(Bucket=DATA, Key="notes/sdk report.txt")["Body"].read(), b"second")
        # A world object with metadata.
        seeded = s3.get_object(Bucket=DATA, Key="a.txt")
        self.assertEqual(seeded["Body"].read(), b"alpha\n")
        self.assertEqual(seeded["Metadata"], {"owner": "alice"})
        self.assertEqual(seeded["LastModified"].year, 2026)
        head_record = self.records_where("HeadObject", lambda r: True)[0]
        self.assert_s3_record(head_record, read_only=True, data_event=True)

    def test_content_md5_checked(self):
        s3 = self.s3()
        err = self.client_error(s3.put_object, Bucket=DATA, Key="bad-md5.txt", Body=b"payload",
                                ContentMD5=md5_b64(b"something else"))
        self.assertEqual(err["Error"]["Code"], "BadDigest")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        stderr = self.aws_error("s3api", "put-object", "--bucket", DATA, "--key", "bad-md5.txt",
                                "--content-md5", "not-base64!")
        self.assertIn("InvalidDigest", stderr)
        self.assertEqual(self.client_error(s3.get_object, Bucket=DATA, Key="bad-md5.txt")["Error"]["Code"],
                         "NoSuchKey")
        # A correct digest is accepted.
        s3.put_object(Bucket=DATA, Key="good-md5.txt", Body=b"payload", ContentMD5=md5_b64(b"payload"))
        record = self.records_where("PutObject", lambda r: r.get("errorCode") == "BadDigest")[0]
        self.assertEqual(record["requestParameters"]["key"], "bad-md5.txt")

    def test_get_object_errors(self):
        s3 = self.s3()
        err = self.client_error(s3.get_object, Bucket=DATA, Key="missing.txt")
        self.assertEqual(err["Error"]["Code"], "NoSuchKey")
        self.assertEqual(err["Error"]["Key"], "missing.txt")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.client_error(s3.get_object, Bucket="no-such-bucket-here", Key="x")
        self.assertEqual(err["Error"]["Code"], "NoSuchBucket")
        stderr = self.aws_error("s3api", "get-object", "--bucket", DATA, "--key", "missing.txt", "/dev/null")
        self.assertIn("NoSuchKey", stderr)
        # bob may read the vault only: elsewhere AccessDenied.
        err = self.client_error(self.s3(keys=BOB).get_object, Bucket=DATA, Key="a.txt")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("s3:GetObject", err["Error"]["Message"])
        stderr = self.aws_error("s3api", "get-object", "--bucket", DATA, "--key", "a.txt", "/dev/null", keys=BOB)
        self.assertIn("AccessDenied", stderr)
        # Another account's bucket: no bucket policy grants access.
        err = self.client_error(s3.get_object, Bucket="partner-private", Key="secret.txt")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        record = self.records_where("GetObject", lambda r: r.get("errorCode") == "AccessDenied"
                                    and r["userIdentity"]["arn"] == BOB_ARN)[0]
        self.assertIn("s3:GetObject", record["errorMessage"])
        self.assertIsNone(record.get("responseElements"))
        record = self.records_where("GetObject", lambda r: r.get("errorCode") == "NoSuchKey"
                                    and r["requestParameters"]["key"] == "missing.txt")[0]
        self.assertEqual(record["errorMessage"], "The specified key does not exist.")
        self.assertEqual(record["resources"][0]["ARN"], f"arn:aws:s3:::{DATA}/missing.txt")

    def test_wrong_region(self):
        status, _, body = self.raw("GET", "/acme-eu-archive/old.txt")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>AuthorizationHeaderMalformed</Code>", body)
        self.assertIn(b"<Region>eu-west-1</Region>", body)
        got = self.s3(region="eu-west-1").get_object(Bucket="acme-eu-archive", Key="old.txt")
        self.assertEqual(got["Body"].read(), b"old\n")

    # ---- Object Lock (WORM) --------------------------------------------------------------------

    def test_object_lock_boto3(self):
        s3 = self.s3()
        until = datetime.datetime(2031, 1, 1, tzinfo=datetime.timezone.utc)
        first = s3.put_object(Bucket=VAULT, Key="case-2/disk.img", Body=b"evidence v1",
                              ContentMD5=md5_b64(b"evidence v1"), ObjectLockMode="COMPLIANCE",
                              ObjectLockRetainUntilDate=until, ObjectLockLegalHoldStatus="ON")
        self.assertTrue(first["VersionId"])
        got = s3.get_object(Bucket=VAULT, Key="case-2/disk.img")
        self.assertEqual(got["ObjectLockMode"], "COMPLIANCE")
        self.assertEqual(got["ObjectLockRetainUntilDate"], until)
        self.assertEqual(got["ObjectLockLegalHoldStatus"], "ON")
        self.assertEqual(got["VersionId"], first["VersionId"])
        # WORM: writing the key again adds a version; the locked one is untouched.
        second = s3.put_object(Bucket=VAULT, Key="case-2/disk.img", Body=b"tampered",
                               ContentMD5=md5_b64(b"tampered"))
        self.assertNotEqual(second["VersionId"], first["VersionId"])
        old = s3.get_object(Bucket=VAULT, Key="case-2/disk.img", VersionId=first["VersionId"])
        self.assertEqual(old["Body"].read(), b"evidence v1")
        self.assertEqual(old["ObjectLockMode"], "COMPLIANCE")
        # The new version got the bucket's default retention (COMPLIANCE, 1 day).
        latest = s3.get_object(Bucket=VAULT, Key="case-2/disk.img")
        self.assertEqual(latest["Body"].read(), b"tampered")
        self.assertEqual(latest["ObjectLockMode"], "COMPLIANCE")
        delta = latest["ObjectLockRetainUntilDate"] - datetime.datetime.now(datetime.timezone.utc)
        self.assertTrue(datetime.timedelta(hours=23) < delta < datetime.timedelta(hours=25), delta)
        err = self.client_error(s3.get_object, Bucket=VAULT, Key="case-2/disk.img", VersionId="nope")
        self.assertEqual(err["Error"]["Code"], "NoSuchVersion")
        # The world's locked object.
        seeded = s3.get_object(Bucket=VAULT, Key="case-1/memory.lime")
        self.assertEqual(seeded["ObjectLockLegalHoldStatus"], "ON")
        record = self.records_where("PutObject", lambda r: r["requestParameters"].get("key") == "case-2/disk.img")[0]
        self.assertEqual(record["responseElements"]["x-amz-version-id"], first["VersionId"])

    def test_object_lock_awscli_and_errors(self):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(b"cli evidence")
        _, put = self.sandbox.aws("s3api", "put-object", "--bucket", VAULT, "--key", "case-3/log.txt",
                                  "--body", f.name, "--object-lock-mode", "GOVERNANCE",
                                  "--object-lock-retain-until-date", "2032-06-01T00:00:00Z",
                                  "--content-md5", md5_b64(b"cli evidence"))
        self.assertIn("VersionId", put)
        _, head = self.sandbox.aws("s3api", "head-object", "--bucket", VAULT, "--key", "case-3/log.txt")
        self.assertEqual(head["ObjectLockMode"], "GOVERNANCE")
        self.assertTrue(head["ObjectLockRetainUntilDate"].startswith("2032-06-01T00:00:00"))
        # Lock headers on a bucket without Object Lock.
        stderr = self.aws_error("s3api", "put-object", "--bucket", DATA, "--key", "locked.txt",
                                "--body", f.name, "--object-lock-mode", "COMPLIANCE",
                                "--object-lock-retain-until-date", "2032-06-01T00:00:00Z",
                                "--content-md5", md5_b64(b"cli evidence"))
        self.assertIn("InvalidRequest", stderr)
        self.assertIn("Bucket is missing Object Lock Configuration", stderr)
        s3 = self.s3()
        past = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        err = self.client_error(s3.put_object, Bucket=VAULT, Key="x", Body=b"x", ContentMD5=md5_b64(b"x"),
                                ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=past)
        self.assertEqual(err["Error"]["Code"], "InvalidArgument")
        self.assertIn("in the future", err["Error"]["Message"])
        # Mode without a date, and lock headers without an integrity header.
        status, _, body = self.raw("PUT", f"/{VAULT}/y", body=b"y", headers={
            "x-amz-object-lock-mode": "COMPLIANCE", "Content-MD5": md5_b64(b"y")})
        self.assertEqual(status, 400)
        self.assertIn(b"InvalidArgument", body)
        status, _, body = self.raw("PUT", f"/{VAULT}/y", body=b"y", headers={
            "x-amz-object-lock-legal-hold": "ON"})
        self.assertEqual(status, 400)
        self.assertIn(b"Content-MD5 OR x-amz-checksum-", body)
        # The vault's default retention applies to plain uploads too: they need the header as well
        # (awscli and boto3 add Content-MD5 to PutObject by themselves).
        status, _, body = self.raw("PUT", f"/{VAULT}/y", body=b"y")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidRequest</Code>", body)
        self.assertTrue(self.s3().put_object(Bucket=VAULT, Key="y", Body=b"auto md5")["VersionId"])
        # A CRC32 checksum is an integrity header too (the JS SDK's way), and is verified.
        import zlib
        crc = base64.b64encode(zlib.crc32(b"y").to_bytes(4, "big")).decode()
        status, headers, _ = self.raw("PUT", f"/{VAULT}/y", body=b"y", headers={
            "x-amz-object-lock-legal-hold": "ON", "x-amz-checksum-crc32": crc})
        self.assertEqual(status, 200)
        self.assertIn("x-amz-version-id", headers)
        status, _, body = self.raw("PUT", f"/{VAULT}/y", body=b"y", headers={
            "x-amz-checksum-crc32": base64.b64encode(b"\0\0\0\0").decode()})
        self.assertEqual(status, 400)
        self.assertIn(b"BadDigest", body)
        # bob cannot write to the vault.
        stderr = self.aws_error("s3api", "put-object", "--bucket", VAULT, "--key", "case-3/log.txt",
                                "--body", f.name, keys=BOB)
        self.assertIn("AccessDenied", stderr)
        err = self.client_error(self.s3(keys=BOB).put_object, Bucket=VAULT, Key="case-3/log.txt", Body=b"z")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("s3:PutObject", err["Error"]["Message"])
        # ... and the locked object is unchanged.
        _, head = self.sandbox.aws("s3api", "head-object", "--bucket", VAULT, "--key", "case-3/log.txt")
        self.assertEqual(head["VersionId"], put["VersionId"])
        record = self.records_where("PutObject", lambda r: r.get("errorCode") == "AccessDenied"
                                    and r["userIdentity"]["arn"] == BOB_ARN)[0]
        self.assert_s3_record(record, read_only=False, data_event=True, arn=BOB_ARN)
        record = self.records_where("PutObject", lambda r: r.get("errorCode") == "InvalidRequest"
                                    and r["requestParameters"]["bucketName"] == DATA)[0]
        self.assertEqual(record["errorMessage"], "Bucket is missing Object Lock Configuration")
        self.assertEqual(record["requestParameters"]["key"], "locked.txt")

    # ---- ListObjects ---------------------------------------------------------------------------

    def test_list_objects_v2_awscli(self):
        _, out = self.sandbox.aws("s3api", "list-objects-v2", "--bucket", DATA, "--prefix", "dir/",
                                  "--delimiter", "/")
        self.assertEqual([c["Key"] for c in out["Contents"]], ["dir/one.txt", "dir/two.txt"])
        self.assertEqual(out["CommonPrefixes"], [{"Prefix": "dir/sub/"}])
        self.assertEqual(out["Contents"][0]["Size"], 4)
        self.assertEqual(out["Contents"][0]["ETag"], '"%s"' % hashlib.md5(b"one\n").hexdigest())
        self.assertEqual(out["Contents"][0]["StorageClass"], "STANDARD")
        _, top = self.sandbox.aws("s3api", "list-objects-v2", "--bucket", DATA, "--delimiter", "/")
        keys = [c["Key"] for c in top["Contents"]]
        self.assertIn("odd key+plus&amp.txt", keys)  # url encoding round trip
        self.assertIn({"Prefix": "dir/"}, top["CommonPrefixes"])
        self.assertNotIn("dir/one.txt", keys)
        stderr = self.aws_error("s3api", "list-objects-v2", "--bucket", DATA, keys=BOB)
        self.assertIn("AccessDenied", stderr)
        stderr = self.aws_error("s3api", "list-objects-v2", "--bucket", "no-such-bucket-here")
        self.assertIn("NoSuchBucket", stderr)
        record = self.records_where("ListObjects", lambda r: r["requestParameters"].get("prefix") == "dir/")[0]
        self.assert_s3_record(record, read_only=True, data_event=True)
        self.assertEqual(record["requestParameters"]["list-type"], "2")
        self.assertEqual(record["requestParameters"]["delimiter"], "/")
        self.assertEqual(record["requestParameters"]["bucketName"], DATA)
        self.assertEqual(record["resources"], [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{DATA}",
                                                "accountId": ACCOUNT}])
        record = self.records_where("ListObjects", lambda r: r.get("errorCode") == "AccessDenied")[0]
        self.assertEqual(record["userIdentity"]["arn"], BOB_ARN)
        self.assertIn("s3:ListBucket", record["errorMessage"])

    def test_list_objects_v2_pagination_boto3(self):
        s3 = self.s3()
        everything = [c["Key"] for c in s3.list_objects_v2(Bucket=DATA, Prefix="dir/")["Contents"]]
        self.assertEqual(everything, ["dir/one.txt", "dir/sub/three.txt", "dir/two.txt"])
        page = s3.list_objects_v2(Bucket=DATA, Prefix="dir/", MaxKeys=2)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["KeyCount"], 2)
        rest = s3.list_objects_v2(Bucket=DATA, Prefix="dir/", MaxKeys=2,
                                  ContinuationToken=page["NextContinuationToken"])
        self.assertFalse(rest["IsTruncated"])
        self.assertEqual([c["Key"] for c in page["Contents"] + rest["Contents"]], everything)
        paged = [c["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
            Bucket=DATA, PaginationConfig={"PageSize": 1}) for c in p.get("Contents", [])]
        self.assertEqual(paged, sorted(paged))
        self.assertIn("odd key+plus&amp.txt", paged)
        after = s3.list_objects_v2(Bucket=DATA, Prefix="dir/", StartAfter="dir/one.txt")
        self.assertEqual([c["Key"] for c in after["Contents"]], ["dir/sub/three.txt", "dir/two.txt"])
        self.assertEqual(after["StartAfter"], "dir/one.txt")
        v1 = s3.list_objects(Bucket=DATA, Delimiter="/", MaxKeys=1)
        self.assertTrue(v1["IsTruncated"])
        self.assertIn("Owner", v1["Contents"][0])
        v1_all = [c["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket=DATA)
                  for c in p.get("Contents", [])]
        self.assertEqual(v1_all, paged)
        err = self.client_error(s3.list_objects_v2, Bucket=DATA, ContinuationToken="garbage")
        self.assertEqual(err["Error"]["Code"], "InvalidArgument")
        err = self.client_error(self.s3(keys=BOB).list_objects_v2, Bucket=DATA)
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertEqual(self.s3(keys=BOB).list_objects_v2(Bucket=VAULT)["KeyCount"] >= 1, True)

    # ---- Public access block -------------------------------------------------------------------

    def test_put_public_access_block_awscli(self):
        self.assertEqual(self.client_error(self.s3().get_public_access_block, Bucket=DATA)["Error"]["Code"],
                         "NoSuchPublicAccessBlockConfiguration")
        code, out = self.sandbox.aws(
            "s3api", "put-public-access-block", "--bucket", DATA, "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
        self.assertEqual(code, 0)
        _, got = self.sandbox.aws("s3api", "get-public-access-block", "--bucket", DATA)
        self.assertEqual(got["PublicAccessBlockConfiguration"], {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        stderr = self.aws_error("s3api", "put-public-access-block", "--bucket", DATA,
                                "--public-access-block-configuration", "BlockPublicAcls=false", keys=BOB)
        self.assertIn("AccessDenied", stderr)
        stderr = self.aws_error("s3api", "put-public-access-block", "--bucket", "no-such-bucket-here",
                                "--public-access-block-configuration", "BlockPublicAcls=true")
        self.assertIn("NoSuchBucket", stderr)
        record = self.records_where("PutBucketPublicAccessBlock",
                                    lambda r: r["requestParameters"]["bucketName"] == DATA
                                    and "errorCode" not in r)[0]
        self.assert_s3_record(record, read_only=False, data_event=False)
        params = record["requestParameters"]
        self.assertEqual(params["publicAccessBlock"], "")
        self.assertEqual(params["PublicAccessBlockConfiguration"]["BlockPublicPolicy"], True)
        self.assertEqual(params["PublicAccessBlockConfiguration"]["xmlns"],
                         "http://s3.amazonaws.com/doc/2006-03-01/")
        self.assertIsNone(record.get("responseElements"))
        self.assertEqual(record["resources"], [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{DATA}",
                                                "accountId": ACCOUNT}])
        denied = self.records_where("PutBucketPublicAccessBlock", lambda r: r.get("errorCode") == "AccessDenied")[0]
        self.assertEqual(denied["userIdentity"]["arn"], BOB_ARN)

    def test_put_public_access_block_boto3(self):
        s3 = self.s3()
        s3.put_public_access_block(Bucket="acme-policy-sdk", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "RestrictPublicBuckets": True})
        got = s3.get_public_access_block(Bucket="acme-policy-sdk")["PublicAccessBlockConfiguration"]
        self.assertEqual(got, {"BlockPublicAcls": True, "IgnorePublicAcls": False,
                               "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
        err = self.client_error(self.s3(keys=BOB).put_public_access_block, Bucket="acme-policy-sdk",
                                PublicAccessBlockConfiguration={"BlockPublicAcls": False})
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("s3:PutBucketPublicAccessBlock", err["Error"]["Message"])
        # Malformed XML and a wrong Content-MD5, sent raw; the JS SDK's path form (/bucket/?...=).
        bad = b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls>"
        status, _, body = self.raw("PUT", "/acme-policy-sdk?publicAccessBlock", body=bad,
                                   headers={"Content-MD5": md5_b64(bad)})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>MalformedXML</Code>", body)
        good = (b'<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                b"<BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>")
        status, _, body = self.raw("PUT", "/acme-policy-sdk/?publicAccessBlock=", body=good,
                                   headers={"Content-MD5": md5_b64(b"other")})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>BadDigest</Code>", body)
        status, _, _ = self.raw("PUT", "/acme-policy-sdk/?publicAccessBlock=", body=good,
                                headers={"Content-MD5": md5_b64(good)})
        self.assertEqual(status, 200)
        got = s3.get_public_access_block(Bucket="acme-policy-sdk")["PublicAccessBlockConfiguration"]
        self.assertEqual(got, {"BlockPublicAcls": False, "IgnorePublicAcls": False,
                               "BlockPublicPolicy": True, "RestrictPublicBuckets": False})
        record = self.records_where("PutBucketPublicAccessBlock", lambda r: r.get("errorCode") == "MalformedXML")[0]
        self.assertEqual(record["requestParameters"]["bucketName"], "acme-policy-sdk")

    # ---- Bucket policy -------------------------------------------------------------------------

    def test_get_and_delete_bucket_policy_awscli(self):
        _, got = self.sandbox.aws("s3api", "get-bucket-policy", "--bucket", "acme-policy-cli")
        policy = json.loads(got["Policy"])
        self.assertEqual(policy["Statement"][0]["Sid"], "Deny")
        stderr = self.aws_error("s3api", "get-bucket-policy", "--bucket", "acme-policy-cli", keys=BOB)
        self.assertIn("AccessDenied", stderr)
        stderr = self.aws_error("s3api", "delete-bucket-policy", "--bucket", "acme-policy-cli", keys=BOB)
        self.assertIn("AccessDenied", stderr)
        code, _ = self.sandbox.aws("s3api", "delete-bucket-policy", "--bucket", "acme-policy-cli")
        self.assertEqual(code, 0)
        stderr = self.aws_error("s3api", "get-bucket-policy", "--bucket", "acme-policy-cli")
        self.assertIn("NoSuchBucketPolicy", stderr)
        self.assertIn("The bucket policy does not exist", stderr)
        record = self.records_where("GetBucketPolicy", lambda r: "errorCode" not in r
                                    and r["requestParameters"]["bucketName"] == "acme-policy-cli")[0]
        self.assert_s3_record(record, read_only=True, data_event=False)
        self.assertEqual(record["requestParameters"]["policy"], "")
        self.assertIsNone(record.get("responseElements"))
        record = self.records_where("DeleteBucketPolicy", lambda r: "errorCode" not in r
                                    and r["requestParameters"]["bucketName"] == "acme-policy-cli")[0]
        self.assert_s3_record(record, read_only=False, data_event=False)
        self.assertEqual(record["resources"][0]["ARN"], "arn:aws:s3:::acme-policy-cli")
        record = self.records_where("GetBucketPolicy", lambda r: r.get("errorCode") == "NoSuchBucketPolicy")[0]
        self.assertEqual(record["errorMessage"], "The bucket policy does not exist")
        denied = self.records_where("DeleteBucketPolicy", lambda r: r.get("errorCode") == "AccessDenied")[0]
        self.assertEqual(denied["userIdentity"]["arn"], BOB_ARN)

    def test_get_and_delete_bucket_policy_boto3(self):
        s3 = self.s3()
        policy = json.loads(s3.get_bucket_policy(Bucket="acme-policy-sdk")["Policy"])
        self.assertEqual(policy["Version"], "2012-10-17")
        err = self.client_error(self.s3(keys=BOB).delete_bucket_policy, Bucket="acme-policy-sdk")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("s3:DeleteBucketPolicy", err["Error"]["Message"])
        response = s3.delete_bucket_policy(Bucket="acme-policy-sdk")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 204)
        err = self.client_error(s3.get_bucket_policy, Bucket="acme-policy-sdk")
        self.assertEqual(err["Error"]["Code"], "NoSuchBucketPolicy")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 404)
        err = self.client_error(s3.get_bucket_policy, Bucket="no-such-bucket-here")
        self.assertEqual(err["Error"]["Code"], "NoSuchBucket")
        err = self.client_error(s3.get_bucket_policy, Bucket="partner-private")
        self.assertEqual(err["Error"]["Code"], "AccessDenied")

    # ---- ListBuckets ---------------------------------------------------------------------------

    def test_list_buckets(self):
        _, out = self.sandbox.aws("s3api", "list-buckets")
        names = [b["Name"] for b in out["Buckets"]]
        self.assertIn(DATA, names)
        self.assertIn("acme-eu-archive", names)  # every region
        self.assertNotIn("partner-private", names)  # another account's
        self.assertEqual(out["Owner"]["DisplayName"], "acme-prod")
        self.assertEqual(sorted(b["Name"] for b in self.s3().list_buckets()["Buckets"]), sorted(names))
        err = self.client_error(self.s3(keys=BOB).list_buckets)
        self.assertEqual(err["Error"]["Code"], "AccessDenied")
        self.assertIn("s3:ListAllMyBuckets", err["Error"]["Message"])
        record = self.records_where("ListBuckets", lambda r: "errorCode" not in r)[0]
        self.assert_s3_record(record, read_only=True, data_event=False)
        self.assertEqual(list(record["requestParameters"]), ["Host"])
        denied = self.records_where("ListBuckets", lambda r: r.get("errorCode") == "AccessDenied")[0]
        self.assertEqual(denied["userIdentity"]["arn"], BOB_ARN)

    # ---- Addressing ----------------------------------------------------------------------------

    def test_virtual_hosted_addressing(self):
        port = self.sandbox.port
        for host in (f"{DATA}.localhost:{port}", f"{DATA}.s3.us-east-1.amazonaws.com",
                     f"{DATA}.s3.amazonaws.com"):
            status, headers, body = self.raw("GET", "/dir/one.txt", host=host)
            self.assertEqual((status, body), (200, b"one\n"), host)
            self.assertEqual(headers["etag"], '"%s"' % hashlib.md5(b"one\n").hexdigest())
            self.assertTrue(headers["last-modified"].endswith(" GMT"))
        status, _, body = self.raw("GET", "/?list-type=2&prefix=dir%2Fs", host=f"{DATA}.localhost:{port}")
        self.assertEqual(status, 200)
        self.assertIn(b"<Key>dir/sub/three.txt</Key>", body)
        self.assertIn(b"<KeyCount>1</KeyCount>", body)
        # Percent-encoded keys, path-style.
        status, _, body = self.raw("GET", f"/{DATA}/odd%20key%2Bplus%26amp.txt")
        self.assertEqual((status, body), (200, b"odd\n"))
        # An unserved operation is NotImplemented.
        status, _, body = self.raw("GET", f"/{DATA}?versioning")
        self.assertEqual(status, 501)
        self.assertIn(b"NotImplemented", body)


if __name__ == "__main__":
    unittest.main()
