#!/usr/bin/env python3
"""Build firebreak's shipped example CloudTrail archive.

usage: make-example-archive.py [ARCHIVE_DIR] [--events EVENTS_DIR]

Writes one day (2026-11-02) of CloudTrail for three accounts and three regions exactly as CloudTrail
delivers it to S3:

    ARCHIVE_DIR/AWSLogs/{acct}/CloudTrail/{region}/YYYY/MM/DD/
        {acct}_CloudTrail_{region}_{YYYYMMDDTHHmmZ}_{16 alnum}.json.gz      ({"Records":[...]}, gzip)

Most of it is ordinary automation and a few engineers (none of it should raise a detection). Planted in
account 111122223333 between 12:11 and 12:48 UTC is an intrusion through the leaked long-term access
key of IAM user `ci-deploy`. EVENTS_DIR (default: `events` next to ARCHIVE_DIR) receives three single
EventBridge events and `intrusion.jsonl` (the intrusion records, one per line).

The output is byte-for-byte reproducible: every random choice comes from generators seeded with a fixed
string, and gzip streams are written with mtime 0 and no file name. Standard library only.

Addresses: 203.0.113.0/24 (TEST-NET-3) is reserved for the attacker; 198.51.100.0/24 stands in for the
company's own egress (office, Jenkins, NAT gateways, CI runners) and 192.0.2.0/24 for AWS-owned egress
(Lambda). Account ids are the AWS documentation ids.
"""
import argparse
import base64
import datetime as dt
import gzip
import hashlib
import json
import os
import random
import shutil
import uuid

DAY = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
PROD, DEV, SEC = "111122223333", "444455556666", "777788889999"
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
AZS = {"us-east-1": ("us-east-1a", "us-east-1b", "us-east-1c"),
       "eu-west-1": ("eu-west-1a", "eu-west-1b", "eu-west-1c"),
       "us-west-2": ("us-west-2a", "us-west-2b", "us-west-2c")}
AZ_IDS = {"us-east-1a": "use1-az4", "us-east-1b": "use1-az6", "us-east-1c": "use1-az1",
          "eu-west-1a": "euw1-az3", "eu-west-1b": "euw1-az1", "eu-west-1c": "euw1-az2",
          "us-west-2a": "usw2-az2", "us-west-2b": "usw2-az1", "us-west-2c": "usw2-az3"}
APPROVED_AMIS = ("ami-0a1b2c3d4e5f60718", "ami-0f9e8d7c6b5a40312")
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ---------------------------------------------------------------------------------------------------
# deterministic randomness and identifier formats


def rng_for(name):
    """An independent, fixed-seed generator per actor, so changing one actor never shifts the others."""
    return random.Random(hashlib.sha256(("firebreak-example-archive/" + name).encode()).digest())


def uid(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def b32(r, n):
    return "".join(r.choice(B32) for _ in range(n))


def hexs(r, n, upper=False):
    s = "".join(r.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def b64(r, nbytes):
    return base64.b64encode(bytes(r.getrandbits(8) for _ in range(nbytes))).decode()


def session_token(r):
    # Real STS tokens are longer; these are trimmed to keep the archive small (see examples/README.md).
    return "IQoJb3JpZ2luX2VjE" + b64(r, r.randint(96, 120)).rstrip("=")


def ts(sec):
    return (DAY + dt.timedelta(seconds=int(sec))).strftime("%Y-%m-%dT%H:%M:%SZ")


def java_ts(sec):
    """The Java-style timestamp CloudTrail uses inside IAM/STS/SSM responseElements."""
    d = DAY + dt.timedelta(seconds=int(sec))
    h = d.hour % 12 or 12
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}, {h}:{d.minute:02d}:{d.second:02d} {'AM' if d.hour < 12 else 'PM'}"


def epoch_ms(sec):
    return int((DAY + dt.timedelta(seconds=sec)).timestamp() * 1000)


def hhmm(sec):
    return (DAY + dt.timedelta(seconds=int(sec))).strftime("%H:%M:%S")


def H(h, m=0, s=0):
    return h * 3600 + m * 60 + s


def day_weight(t):
    """Relative level of human-driven traffic (European working day, UTC)."""
    h = t / 3600
    if 7.5 <= h < 17.5:
        return 1.0 if not (11.75 <= h < 12.75) else 0.6
    if 6 <= h < 7.5 or 17.5 <= h < 21:
        return 0.35
    return 0.12


def poisson_times(r, per_day, start=0, end=86000, weighted=False):
    """Event times of a (possibly day-weighted) Poisson process."""
    out, t = [], start
    rate = per_day / 86400.0
    while True:
        t += r.expovariate(rate)
        if t >= end:
            return out
        if weighted and r.random() > day_weight(t):
            continue
        out.append(t)


def ticks(r, every, start=0, end=86000, jitter=0.1):
    out, t = [], start + r.uniform(0, every)
    while t < end:
        out.append(t)
        t += every * r.uniform(1 - jitter, 1 + jitter)
    return out


# ---------------------------------------------------------------------------------------------------
# identities


class Role:
    def __init__(self, acct, name, path="/"):
        self.acct, self.name, self.path = acct, name, path
        self.id = "AROA" + b32(rng_for(f"roleid/{acct}/{name}"), 17)
        self.arn = f"arn:aws:iam::{acct}:role{path}{name}"

    def issuer(self):
        return {"type": "Role", "principalId": self.id, "arn": self.arn, "accountId": self.acct,
                "userName": self.name}


class Session:
    """One set of temporary credentials (ASIA key) for a role session."""

    def __init__(self, role, name, created, key, ec2=False, invoked_by=None):
        self.role, self.name, self.created, self.key = role, name, created, key
        self.ec2, self.invoked_by = ec2, invoked_by

    @property
    def arn(self):
        return f"arn:aws:sts::{self.role.acct}:assumed-role/{self.role.name}/{self.name}"

    def ident(self, invoked_by=None):
        d = {"type": "AssumedRole", "principalId": f"{self.role.id}:{self.name}", "arn": self.arn,
             "accountId": self.role.acct, "accessKeyId": self.key,
             "sessionContext": {"sessionIssuer": self.role.issuer(), "webIdFederationData": {},
                                "attributes": {"creationDate": ts(self.created), "mfaAuthenticated": "false"}}}
        if self.ec2:
            d["sessionContext"]["ec2RoleDelivery"] = "2.0"
        ib = invoked_by or self.invoked_by
        if ib:
            d["invokedBy"] = ib
        return d


class User:
    def __init__(self, acct, name, uid_, key):
        self.acct, self.name, self.uid, self.key = acct, name, uid_, key
        self.arn = f"arn:aws:iam::{acct}:user/{name}"

    def ident(self):
        return {"type": "IAMUser", "principalId": self.uid, "arn": self.arn, "accountId": self.acct,
                "accessKeyId": self.key, "userName": self.name}


def service_ident(svc):
    return {"type": "AWSService", "invokedBy": svc}


EVENT_VERSION = {"ec2": "1.09", "iam": "1.09", "cloudtrail": "1.10", "s3": "1.10", "lambda": "1.09"}

# ---------------------------------------------------------------------------------------------------
# the record builder


class Archive:
    def __init__(self):
        self.items = []          # (acct, region, t, seq, record, tag)
        self.seq = 0

    def emit(self, r, acct, region, t, ident, svc, name, *, ip, ua, req=None, resp=None, err=None, msg=None,
             add=None, res=None, ro=None, data=False, etype="AwsApiCall", shared=None, vpce=None,
             host=None, tls=None, console=False, recipient=None, rid=None, tag="benign", version=None):
        source = f"{svc}.amazonaws.com"
        if rid is None:
            if svc == "s3":
                rid = hexs(r, 16, upper=True)
            elif svc == "dynamodb":
                rid = "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(52))
            else:
                rid = uid(r)
        if ro is None:
            ro = name.startswith(("Describe", "Get", "List", "Lookup", "Head", "BatchGet", "Search", "Filter",
                                  "Lookup", "AssumeRole", "Decrypt", "GenerateDataKey", "BatchCheck"))
        if svc == "ec2" and isinstance(resp, dict) and "requestId" not in resp:
            resp = {"requestId": rid, **resp}
        rec = {"eventVersion": version or EVENT_VERSION.get(svc, "1.08"), "userIdentity": ident,
               "eventTime": ts(t), "eventSource": source, "eventName": name, "awsRegion": region,
               "sourceIPAddress": ip, "userAgent": ua}
        if err:
            rec["errorCode"] = err
            if msg is not None:
                rec["errorMessage"] = msg
        rec["requestParameters"] = req
        rec["responseElements"] = resp
        if add is not None:
            rec["additionalEventData"] = add
        rec["requestID"] = rid
        rec["eventID"] = uid(r)
        rec["readOnly"] = ro
        if res:
            rec["resources"] = res
        rec["eventType"] = etype
        rec["managementEvent"] = not data
        rec["recipientAccountId"] = recipient or acct
        if shared:
            rec["sharedEventID"] = shared
        if vpce:
            rec["vpcEndpointId"] = vpce
            rec["vpcEndpointAccountId"] = acct
        rec["eventCategory"] = "Data" if data else "Management"
        if console:
            rec["sessionCredentialFromConsole"] = "true"
        if tls is None:
            tls = ident.get("type") != "AWSService" and "invokedBy" not in ident and ip != "AWS Internal"
        if tls:
            if host is None:
                host = {"iam": "iam.amazonaws.com", "s3": "s3.amazonaws.com",
                        "organizations": "organizations.us-east-1.amazonaws.com",
                        "ce": "ce.us-east-1.amazonaws.com"}.get(svc, f"{svc}.{region}.amazonaws.com")
            rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                                 "clientProvidedHostHeader": host}
        self.seq += 1
        self.items.append((acct, region, t, self.seq, rec, tag))
        return rec


A = Archive()

# ---------------------------------------------------------------------------------------------------
# common call shapes


def s3_add(r, bytes_in=0, bytes_out=0, auth=True):
    d = {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": bytes_in}
    if auth:
        d["AuthenticationMethod"] = "AuthHeader"
    d["x-amz-id-2"] = b64(r, 56)
    d["bytesTransferredOut"] = bytes_out
    if not auth:
        del d["SignatureVersion"]
    return d


def s3_object(r, acct, region, t, ident, name, bucket, key, *, ip, ua, size=0, kms=None, vpce=None,
              tag="benign", bucket_acct=None, err=None, msg=None, tls=None):
    """An S3 object-level data event (GetObject / PutObject / HeadObject)."""
    owner = bucket_acct or acct
    host = f"{bucket}.s3.{region}.amazonaws.com"
    req = {"bucketName": bucket, "Host": host, "key": key}
    if name == "PutObject":
        resp = ({"x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": kms}
                if kms else {"x-amz-server-side-encryption": "AES256"})
        add = s3_add(r, bytes_in=size, auth="type" not in ident or ident["type"] != "AWSAccount")
    else:
        resp = None
        add = s3_add(r, bytes_out=0 if name == "HeadObject" or err else size,
                     auth=ident.get("accountId") != "anonymous")
    if err:
        resp = None
    res = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
           {"accountId": owner, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
    return A.emit(r, acct, region, t, ident, "s3", name, ip=ip, ua=ua, req=req, resp=resp, add=add, res=res,
                  data=True, ro=name != "PutObject", vpce=vpce, host=host, tag=tag, recipient=owner,
                  err=err, msg=msg, tls=tls)


def s3_bucket_call(r, acct, region, t, ident, name, bucket, *, ip, ua, extra=None, data=False, ro=None,
                   tag="benign", err=None, msg=None, resp=None):
    host = f"{bucket}.s3.{region}.amazonaws.com" if region != "us-east-1" else f"{bucket}.s3.amazonaws.com"
    req = {"bucketName": bucket, "Host": host}
    req.update(extra or {})
    return A.emit(r, acct, region, t, ident, "s3", name, ip=ip, ua=ua, req=req, resp=resp,
                  add=s3_add(r), res=[{"accountId": acct, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}],
                  data=data, ro=ro, host=host, tag=tag, err=err, msg=msg)


def kms_on_behalf(r, acct, region, t, sess, svc, op, key_arn, context, ident=None):
    """KMS call made by an AWS service (S3, SSM, Secrets Manager) with the caller's credentials."""
    req = {"keyId": key_arn, "encryptionContext": context}
    if op == "GenerateDataKey":
        req["keySpec"] = "AES_256"
    else:
        req = {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": context}
    ident = ident or sess.ident(invoked_by=f"{svc}.amazonaws.com")
    return A.emit(r, acct, region, t, ident, "kms", op, ip=f"{svc}.amazonaws.com", ua=f"{svc}.amazonaws.com",
                  req=req, res=[{"accountId": acct, "type": "AWS::KMS::Key", "ARN": key_arn}], ro=True)


def assume_role_by_service(r, acct, region, t, svc, role, session_name, *, ec2=False, duration=None):
    """`sts:AssumeRole` made by an AWS service principal (EC2 instance profile, Lambda); returns the session."""
    key = "ASIA" + b32(r, 16)
    exp = t + (duration or (6 * 3600 if ec2 else 43200))
    req = {"roleArn": role.arn, "roleSessionName": session_name}
    if duration:
        req["durationSeconds"] = duration
    resp = {"credentials": {"accessKeyId": key, "sessionToken": session_token(r), "expiration": java_ts(exp)},
            "assumedRoleUser": {"assumedRoleId": f"{role.id}:{session_name}",
                                "arn": f"arn:aws:sts::{acct}:assumed-role/{role.name}/{session_name}"}}
    A.emit(r, acct, region, t, service_ident(f"{svc}.amazonaws.com"), "sts", "AssumeRole",
           ip=f"{svc}.amazonaws.com", ua=f"{svc}.amazonaws.com", req=req, resp=resp,
           res=[{"accountId": acct, "type": "AWS::IAM::Role", "ARN": role.arn}], ro=True, version="1.08")
    return Session(role, session_name, t, key, ec2=ec2)


def new_session(r, role, name, t, **kw):
    return Session(role, name, t, "ASIA" + b32(r, 16), **kw)


def ec2_describe(r, acct, region, t, ident, name, *, ip, ua, req=None, console=False, tag="benign", tls=None,
                 err=None, msg=None):
    if req is None:
        req = {
            "DescribeInstances": {"instancesSet": {}, "filterSet": {}},
            "DescribeSecurityGroups": {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}},
            "DescribeVpcs": {"vpcSet": {}, "filterSet": {}},
            "DescribeSubnets": {"subnetSet": {}, "filterSet": {}},
            "DescribeVolumes": {"volumeSet": {}, "filterSet": {}},
            "DescribeRouteTables": {"routeTableIdSet": {}, "filterSet": {}},
            "DescribeNetworkAcls": {"networkAclIdSet": {}, "filterSet": {}},
            "DescribeNetworkInterfaces": {"networkInterfaceIdSet": {}, "filterSet": {}},
            "DescribeImages": {"executableBySet": {}, "imagesSet": {}, "ownersSet": {"items": [{"owner": "self"}]},
                               "filterSet": {}},
            "DescribeInstanceStatus": {"instancesSet": {}, "filterSet": {}, "includeAllInstances": False},
            "DescribeLaunchTemplateVersions": {"launchTemplateVersionSet": {}, "filterSet": {}},
            "DescribeAddresses": {"publicIpsSet": {}, "allocationIdsSet": {}, "filterSet": {}},
            "DescribeSnapshots": {"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]},
                                  "restorableBySet": {}, "filterSet": {}},
            "DescribeFlowLogs": {"flowLogIds": {}, "filter": {}},
            "DescribeRegions": {"regionSet": {}, "filterSet": {}},
            "DescribeAvailabilityZones": {"availabilityZoneSet": {}, "availabilityZoneIdSet": {}},
            "DescribeTags": {"filterSet": {}},
            "DescribeKeyPairs": {"keySet": {}, "filterSet": {}},
        }.get(name, {})
    return A.emit(r, acct, region, t, ident, "ec2", name, ip=ip, ua=ua, req=req, console=console, tag=tag,
                  tls=tls, err=err, msg=msg, ro=True)


def instances_filter(iids):
    return {"instancesSet": {"items": [{"instanceId": i} for i in iids]}, "filterSet": {}}


# ---------------------------------------------------------------------------------------------------
# user agents

UA_BOTO_EC2 = ("Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112-124.190.amzn2023.x86_64 md/arch#x86_64 "
               "lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.36")
UA_JAVA = ("aws-sdk-java/2.28.11 Linux/6.1.112-124.190.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS "
           "Java/21.0.5 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy")
UA_SSM = "aws-sdk-go/1.55.5 (go1.22.8; linux; amd64) amazon-ssm-agent/3.3.987.0"
UA_LAMBDA_PY = ("Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 "
                "lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy "
                "Botocore/1.34.145")
UA_LAMBDA_JS = ("aws-sdk-js/3.654.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.17.0 "
                "api/{api}#3.654.0 exec-env/AWS_Lambda_nodejs20.x m/E,D")
UA_LAMBDA_LOGS = "awslambda-worker/1.0 rusoto/0.48.0 rust/1.79.0 linux"
UA_CHROME = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/130.0.0.0 Safari/537.36")
UA_FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
UA_GRAFANA = ("aws-sdk-go/1.55.5 (go1.22.7; linux; amd64) GrafanaAgent/11.3.0")


def ua_cli(cmd, version="2.18.10", osname="linux#6.5.0-1025-azure", distrib="ubuntu.22", py="3.12.6"):
    return (f"aws-cli/{version} md/awscrt#0.22.0 ua/2.0 os/{osname} md/arch#x86_64 lang/python#{py} "
            f"md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#{distrib} md/prompt#off "
            f"md/command#{cmd}")


def ua_cli_mac(cmd):
    return (f"aws-cli/2.18.7 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 "
            f"md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{cmd}")


def ua_jenkins(cmd):
    return f"aws-cli/2.15.40 Python/3.11.8 Linux/5.15.0-1057-aws exe/x86_64.ubuntu.22 prompt/off command/{cmd}"


def ua_kali(cmd):
    return f"aws-cli/2.13.5 Python/3.11.4 Linux/6.3.0-kali1-amd64 exe/x86_64.kali.2023 prompt/off command/{cmd}"


# ---------------------------------------------------------------------------------------------------
# the estate

ACCT_NAME = {PROD: "prod", DEV: "dev", SEC: "security"}
OFFICE_IP = "198.51.100.77"          # office egress (engineers)
VPN_IP = "198.51.100.78"
JENKINS_IP = "198.51.100.20"         # legacy Jenkins (uses IAM user ci-deploy)
GH_RUNNER_IPS = ["198.51.100.%d" % i for i in range(140, 156)]
ATTACKER_IP = "203.0.113.66"
NAT_IPS = {(PROD, "us-east-1"): ["198.51.100.10", "198.51.100.11", "198.51.100.12"],
           (PROD, "eu-west-1"): ["198.51.100.30", "198.51.100.31"],
           (PROD, "us-west-2"): ["198.51.100.50"],
           (DEV, "us-east-1"): ["198.51.100.90"],
           (DEV, "eu-west-1"): ["198.51.100.95"],
           (DEV, "us-west-2"): ["198.51.100.98"],
           (SEC, "us-east-1"): ["198.51.100.120"],
           (SEC, "eu-west-1"): ["198.51.100.121"],
           (SEC, "us-west-2"): ["198.51.100.122"]}
LAMBDA_EGRESS = {"us-east-1": ["192.0.2.%d" % i for i in range(10, 40)],
                 "eu-west-1": ["192.0.2.%d" % i for i in range(60, 80)],
                 "us-west-2": ["192.0.2.%d" % i for i in range(100, 110)]}


def kms_key(acct, region, name):
    r = rng_for(f"kms/{acct}/{region}/{name}")
    return f"arn:aws:kms:{region}:{acct}:key/{uid(r)}"


class Net:
    """VPC, subnets and security groups of one account/region."""

    def __init__(self, acct, region, cidr2):
        r = rng_for(f"net/{acct}/{region}")
        self.acct, self.region = acct, region
        self.vpc = "vpc-0" + hexs(r, 16)
        self.subnets = [("subnet-0" + hexs(r, 16), az, f"10.{cidr2}.{16 * i}.0") for i, az in enumerate(AZS[region])]
        self.sg = {n: "sg-0" + hexs(r, 16) for n in ("web", "alb", "db", "bastion", "lambda", "endpoints")}
        self.vpce_s3 = "vpce-0" + hexs(r, 16)
        self.cidr2 = cidr2


NETS = {(PROD, "us-east-1"): Net(PROD, "us-east-1", 20), (PROD, "eu-west-1"): Net(PROD, "eu-west-1", 21),
        (PROD, "us-west-2"): Net(PROD, "us-west-2", 22), (DEV, "us-east-1"): Net(DEV, "us-east-1", 40),
        (DEV, "eu-west-1"): Net(DEV, "eu-west-1", 41), (DEV, "us-west-2"): Net(DEV, "us-west-2", 42),
        (SEC, "us-east-1"): Net(SEC, "us-east-1", 60), (SEC, "eu-west-1"): Net(SEC, "eu-west-1", 61),
        (SEC, "us-west-2"): Net(SEC, "us-west-2", 62)}
# the security group the attacker opens (prod web tier, us-east-1)
NETS[(PROD, "us-east-1")].sg["web"] = "sg-0b7e4c2a91d3f5e68"

SLR_AUTOSCALING = {a: Role(a, "AWSServiceRoleForAutoScaling", "/aws-service-role/autoscaling.amazonaws.com/")
                   for a in (PROD, DEV)}
SLR_CONFIG = {a: Role(a, "AWSServiceRoleForConfig", "/aws-service-role/config.amazonaws.com/")
              for a in (PROD, DEV, SEC)}
SLR_SECURITYHUB = {a: Role(a, "AWSServiceRoleForSecurityHub", "/aws-service-role/securityhub.amazonaws.com/")
                   for a in (PROD, DEV, SEC)}
SLR_BACKUP = Role(PROD, "AWSBackupDefaultServiceRole", "/service-role/")


def slr_session(role, name, svc, r):
    return Session(role, name, H(0) - 3600 * r.randint(1, 20), "ASIA" + b32(r, 16), invoked_by=svc)


# ---------------------------------------------------------------------------------------------------
# AWS Config (service-linked role describing resources after changes, plus periodic sweeps)

CONFIG_FOLLOWUPS = []     # (acct, region, t, kind, ids)


def config_followup(acct, region, t, kind, ids):
    CONFIG_FOLLOWUPS.append((acct, region, t, kind, tuple(ids)))


# bucket state as the attacker leaves it: exports gets a policy at 12:36:45, loses its PAB at 12:36:20
BUCKETS_WITH_POLICY = {"prod-media-assets", "prod-app-config", "prod-media-assets-eu", "prod-app-config-eu"}


def bucket_has_policy(bucket, t):
    return bucket in BUCKETS_WITH_POLICY or (bucket == "prod-customer-exports" and t >= H(12, 36, 45))


def bucket_has_pab(bucket, t):
    return not (bucket == "prod-customer-exports" and t >= H(12, 36, 20))


def run_config():
    for acct in (PROD, DEV, SEC):
        for region in REGIONS:
            r = rng_for(f"config/{acct}/{region}")
            sess = slr_session(SLR_CONFIG[acct], "AWSConfig-Describe", "config.amazonaws.com", r)
            ident = sess.ident()
            ip = ua = "config.amazonaws.com"
            # periodic sweeps of network configuration
            for t in ticks(r, 3 * 3600, 0, 85800, 0.05):
                for n in ("DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups", "DescribeRouteTables",
                          "DescribeNetworkAcls", "DescribeNetworkInterfaces"):
                    t += r.uniform(0.5, 4)
                    ec2_describe(r, acct, region, t, ident, n, ip=ip, ua=ua, tls=False)
                if region == "us-east-1" and r.random() < 0.5:
                    for n in ("GetRole", "ListAttachedRolePolicies", "ListRolePolicies"):
                        t += r.uniform(0.5, 3)
                        rn = r.choice(["orders-api-instance-role", "image-resize-role", "github-actions-deploy",
                                       "OrganizationSecurityAudit", "nightly-export-role"])
                        A.emit(r, acct, region, t, ident, "iam", n, ip=ip, ua=ua, req={"roleName": rn}, ro=True)
            # follow-ups after configuration changes
            for (a2, r2, t0, kind, ids) in CONFIG_FOLLOWUPS:
                if (a2, r2) != (acct, region):
                    continue
                t = t0 + r.uniform(40, 400)
                if kind == "instance":
                    ec2_describe(r, acct, region, t, ident, "DescribeInstances", ip=ip, ua=ua, tls=False,
                                 req=instances_filter(ids))
                    ec2_describe(r, acct, region, t + r.uniform(1, 5), ident, "DescribeVolumes", ip=ip, ua=ua,
                                 tls=False)
                    ec2_describe(r, acct, region, t + r.uniform(5, 9), ident, "DescribeNetworkInterfaces", ip=ip,
                                 ua=ua, tls=False)
                elif kind == "sg":
                    ec2_describe(r, acct, region, t, ident, "DescribeSecurityGroups", ip=ip, ua=ua, tls=False,
                                 req={"securityGroupSet": {}, "securityGroupIdSet": {"items": [{"groupId": i} for i in ids]},
                                      "filterSet": {}})
                elif kind == "bucket":
                    bucket = ids[0]
                    for n, sub in (("GetBucketPolicy", "policy"), ("GetBucketAcl", "acl"),
                                   ("GetBucketPublicAccessBlock", "publicAccessBlock"), ("GetBucketTagging", "tagging")):
                        t += r.uniform(0.3, 2)
                        host = f"{bucket}.s3.amazonaws.com"
                        err = msg = None
                        if n == "GetBucketPolicy" and not bucket_has_policy(bucket, t):
                            err, msg = "NoSuchBucketPolicy", "The bucket policy does not exist"
                        if n == "GetBucketPublicAccessBlock" and not bucket_has_pab(bucket, t):
                            err, msg = ("NoSuchPublicAccessBlockConfiguration",
                                        "The public access block configuration was not found")
                        A.emit(r, acct, region, t, ident, "s3", n, ip=ip, ua=ua,
                               req={"bucketName": bucket, "Host": host, sub: ""},
                               add=s3_add(r), res=[{"accountId": acct, "type": "AWS::S3::Bucket",
                                                    "ARN": f"arn:aws:s3:::{bucket}"}], ro=True, tls=False,
                               err=err, msg=msg)


# ---------------------------------------------------------------------------------------------------
# EC2 fleets: Auto Scaling launches/terminations, instance-profile credentials, SSM agent, the app


class Instance:
    def __init__(self, r, net, start, ami, itype):
        self.id = "i-0" + hexs(r, 16)
        self.vol = "vol-0" + hexs(r, 16)
        self.eni = "eni-0" + hexs(r, 16)
        self.subnet, self.az, base = r.choice(net.subnets)
        b = base.split(".")
        self.ip = f"10.{net.cidr2}.{int(b[2]) + r.randint(0, 15)}.{r.randint(4, 250)}"
        self.start, self.end, self.ami, self.type = start, None, ami, itype


def run_instances_record(r, acct, region, t, net, inst, asg, lt, sess, tg):
    dns = ("ip-" + inst.ip.replace(".", "-") + (".ec2.internal" if region == "us-east-1" else f".{region}.compute.internal"))
    req = {"instancesSet": {"items": [{"imageId": inst.ami, "minCount": 1, "maxCount": 1}]},
           "instanceType": inst.type, "blockDeviceMapping": {}, "availabilityZone": inst.az,
           "monitoring": {"enabled": False}, "subnetId": inst.subnet, "disableApiTermination": False,
           "disableApiStop": False, "clientToken": f"fleet-{uid(r)}-0",
           "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": [
               {"key": "aws:autoscaling:groupName", "value": asg}]}]},
           "launchTemplate": {"launchTemplateId": lt, "version": "14"}}
    item = {"instanceId": inst.id, "imageId": inst.ami, "currentInstanceBootMode": "legacy-bios",
            "instanceState": {"code": 0, "name": "pending"}, "privateDnsName": dns, "amiLaunchIndex": 0,
            "productCodes": {}, "instanceType": inst.type, "launchTime": epoch_ms(t),
            "placement": {"availabilityZone": inst.az, "tenancy": "default"},
            "monitoring": {"state": "disabled"}, "subnetId": inst.subnet, "vpcId": net.vpc,
            "privateIpAddress": inst.ip, "stateReason": {"code": "pending", "message": "pending"},
            "architecture": "x86_64", "rootDeviceType": "ebs", "rootDeviceName": "/dev/xvda",
            "blockDeviceMapping": {}, "virtualizationType": "hvm", "hypervisor": "xen",
            "tagSet": {"items": [{"key": "aws:autoscaling:groupName", "value": asg},
                                 {"key": "aws:ec2launchtemplate:id", "value": lt},
                                 {"key": "aws:ec2launchtemplate:version", "value": "14"}]},
            "groupSet": {"items": [{"groupId": net.sg["web"], "groupName": f"{ACCT_NAME[acct]}-web-sg"}]},
            "sourceDestCheck": True,
            "networkInterfaceSet": {"items": [{"networkInterfaceId": inst.eni, "subnetId": inst.subnet,
                                               "vpcId": net.vpc, "ownerId": acct, "status": "in-use",
                                               "privateIpAddress": inst.ip, "privateDnsName": dns,
                                               "sourceDestCheck": True, "interfaceType": "interface",
                                               "groupSet": {"items": [{"groupId": net.sg["web"],
                                                                       "groupName": f"{ACCT_NAME[acct]}-web-sg"}]},
                                               "attachment": {"attachmentId": "eni-attach-0" + hexs(r, 16),
                                                              "deviceIndex": 0, "networkCardIndex": 0,
                                                              "status": "attaching", "attachTime": epoch_ms(t),
                                                              "deleteOnTermination": True}}]},
            "ebsOptimized": True, "enaSupport": True, "cpuOptions": {"coreCount": 1, "threadsPerCore": 2},
            "capacityReservationSpecification": {"capacityReservationPreference": "open"},
            "enclaveOptions": {"enabled": False},
            "metadataOptions": {"state": "pending", "httpTokens": "required", "httpPutResponseHopLimit": 2,
                                "httpEndpoint": "enabled", "httpProtocolIpv4": "ipv4",
                                "httpProtocolIpv6": "disabled", "instanceMetadataTags": "disabled"},
            "maintenanceOptions": {"autoRecovery": "default"},
            "privateDnsNameOptions": {"hostnameType": "ip-name", "enableResourceNameDnsARecord": False,
                                      "enableResourceNameDnsAAAARecord": False}}
    resp = {"reservationId": "r-0" + hexs(r, 16), "ownerId": acct, "requesterId": "940372691376",
            "groupSet": {}, "instancesSet": {"items": [item]}}
    return A.emit(r, acct, region, t, sess.ident(), "ec2", "RunInstances", ip="autoscaling.amazonaws.com",
                  ua="autoscaling.amazonaws.com", req=req, resp=resp)


def state_change(inst_ids, cur, prev):
    codes = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
    return {"instancesSet": {"items": [{"instanceId": i, "currentState": {"code": codes[cur], "name": cur},
                                        "previousState": {"code": codes[prev], "name": prev}} for i in inst_ids]}}


def elb_targets(r, acct, region, t, sess, name, tg, iids):
    A.emit(r, acct, region, t, sess.ident(), "elasticloadbalancing", name, ip="autoscaling.amazonaws.com",
           ua="autoscaling.amazonaws.com", req={"targetGroupArn": tg, "targets": [{"id": i, "port": 8080} for i in iids]},
           version="1.08")


class Fleet:
    def __init__(self, acct, region, asg, base, schedule, role, app, itype="m6i.large", lifetime_app=True):
        self.acct, self.region, self.asg, self.base, self.schedule = acct, region, asg, base, schedule
        self.role, self.app, self.itype = role, app, itype
        self.r = rng_for(f"fleet/{acct}/{region}/{asg}")
        self.net = NETS[(acct, region)]
        self.lt = "lt-0" + hexs(self.r, 16)
        self.tg = (f"arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/{asg.replace('-asg', '')}-tg/"
                   + hexs(self.r, 16))
        self.instances = []

    def run(self):
        r, acct, region = self.r, self.acct, self.region
        sess = slr_session(SLR_AUTOSCALING[acct], "AutoScaling", "autoscaling.amazonaws.com", r)
        live = []
        for _ in range(self.base):
            inst = Instance(r, self.net, -r.uniform(2, 40) * 3600, r.choice(APPROVED_AMIS[:1]), self.itype)
            live.append(inst)
            self.instances.append(inst)
        for (t, desired) in self.schedule:
            if desired > len(live):
                for k in range(desired - len(live)):
                    tt = t + k * r.uniform(1, 4)
                    inst = Instance(r, self.net, tt, APPROVED_AMIS[0] if r.random() < 0.8 else APPROVED_AMIS[1],
                                    self.itype)
                    run_instances_record(r, acct, region, tt, self.net, inst, self.asg, self.lt, sess, self.tg)
                    config_followup(acct, region, tt, "instance", [inst.id])
                    if acct == PROD:
                        EBS_TAGGER.append((acct, region, tt, inst))
                    elb_targets(r, acct, region, tt + r.uniform(80, 140), sess, "RegisterTargets", self.tg, [inst.id])
                    live.append(inst)
                    self.instances.append(inst)
            elif desired < len(live):
                # default termination policy: balance AZs, then oldest launch template version; here: oldest
                live.sort(key=lambda i: i.start)
                gone, live = live[:len(live) - desired], live[len(live) - desired:]
                elb_targets(r, acct, region, t, sess, "DeregisterTargets", self.tg, [i.id for i in gone])
                tt = t + 300 + r.uniform(1, 20)
                A.emit(r, acct, region, tt, sess.ident(), "ec2", "TerminateInstances",
                       ip="autoscaling.amazonaws.com", ua="autoscaling.amazonaws.com",
                       req={"instancesSet": {"items": [{"instanceId": i.id} for i in gone]}},
                       resp=state_change([i.id for i in gone], "shutting-down", "running"))
                config_followup(acct, region, tt, "instance", [i.id for i in gone])
                for i in gone:
                    i.end = tt
        for inst in self.instances:
            self.instance_activity(inst)

    def instance_activity(self, inst):
        acct, region = self.acct, self.region
        r = rng_for(f"instance/{inst.id}")
        start = max(inst.start, 0)
        end = inst.end if inst.end is not None else 86300
        nat = NATS_FOR(acct, region, r)
        # instance-profile credentials: fetched at boot, refreshed roughly hourly
        t = inst.start + 25 if inst.start >= 0 else r.uniform(0, 3600)
        sessions = []
        while t < end:
            sessions.append(assume_role_by_service(r, acct, region, t, "ec2", self.role, inst.id, ec2=True))
            t += r.uniform(3300, 3900)
        if inst.start < 0:   # credentials obtained before midnight
            sessions.insert(0, new_session(r, self.role, inst.id, -r.uniform(0, 3000), ec2=True))

        def sess_at(t):
            cur = sessions[0]
            for s in sessions:
                if s.created <= t:
                    cur = s
            return cur

        ssm_req = {"instanceId": inst.id, "agentVersion": "3.3.987.0", "agentStatus": "Active",
                   "platformType": "Linux", "platformName": "Amazon Linux", "platformVersion": "2023",
                   "iPAddress": inst.ip, "computerName": "ip-" + inst.ip.replace(".", "-") + (
                       ".ec2.internal" if region == "us-east-1" else f".{region}.compute.internal"),
                   "agentName": "amazon-ssm-agent", "availabilityZone": inst.az,
                   "availabilityZoneId": AZ_IDS[inst.az]}
        for t in ticks(r, 600, start + 50, end, 0.05):
            A.emit(r, acct, region, t, sess_at(t).ident(), "ssm", "UpdateInstanceInformation", ip=nat(), ua=UA_SSM,
                   req=ssm_req, ro=False)
        if self.app:
            self.app(r, acct, region, inst, start, end, sess_at, nat)


def NATS_FOR(acct, region, r):
    ips = NAT_IPS[(acct, region)]
    return lambda: r.choice(ips)


EBS_TAGGER = []   # launches the prod ebs-tagger Lambda reacts to


def orders_app(bucket_cfg, bucket_media, param_path, secret, env):
    """The Java service on the web fleet: config from S3 (via the gateway endpoint), SSM, Secrets Manager."""
    def app(r, acct, region, inst, start, end, sess_at, nat):
        net = NETS[(acct, region)]
        kms_ssm = kms_key(acct, region, "ssm")
        kms_sm = kms_key(acct, region, "secrets")
        boot = start + r.uniform(90, 160) if inst.start >= 0 else None
        secret_arn = f"arn:aws:secretsmanager:{region}:{acct}:secret:{secret}-{b32(rng_for(secret + region), 6).lower()}"

        def get_secret(t):
            s = sess_at(t)
            A.emit(r, acct, region, t, s.ident(), "secretsmanager", "GetSecretValue", ip=nat(), ua=UA_JAVA,
                   req={"secretId": secret_arn}, ro=True)
            kms_on_behalf(r, acct, region, t + 0.2, s, "secretsmanager", "Decrypt", kms_sm,
                          {"SecretARN": secret_arn, "SecretVersionId": "3c1f7a0e-5b2d-4e8a-9f61-2d7c0b9e4a13"})

        def get_cfg(t, key, size):
            s = sess_at(t)
            s3_object(r, acct, region, t, s.ident(), "GetObject", bucket_cfg, key, ip=inst.ip, ua=UA_JAVA,
                      size=size, vpce=net.vpce_s3)

        if boot is not None:
            s = sess_at(boot)
            A.emit(r, acct, region, boot, s.ident(), "ssm", "GetParametersByPath", ip=nat(), ua=UA_JAVA,
                   req={"path": param_path, "recursive": True, "withDecryption": True}, ro=True)
            kms_on_behalf(r, acct, region, boot + 0.3, s, "ssm", "Decrypt", kms_ssm,
                          {"PARAMETER_ARN": f"arn:aws:ssm:{region}:{acct}:parameter{param_path}db/password"})
            if r.random() < 0.5:
                A.emit(r, acct, region, boot + 0.8, s.ident(), "ssm", "GetParameter", ip=nat(), ua=UA_JAVA,
                       req={"name": f"{param_path}feature/new-checkout", "withDecryption": False}, ro=True,
                       err="ParameterNotFound", msg=None)
            get_secret(boot + 1.5)
            get_cfg(boot + 2.5, f"{env}/orders-api/application.yaml", 4121)
        for t in ticks(r, 7200, start + 200, end, 0.1):
            get_secret(t)
        for t in ticks(r, 1800, start + 60, end, 0.05):
            get_cfg(t, f"{env}/orders-api/feature-flags.json", 1893)
        # product images uploaded through the API end up in the media bucket; image-resize picks them up
        for t in poisson_times(r, 22, start + 300, end, weighted=True):
            key = f"uploads/{hexs(r, 12)}.jpg"
            s = sess_at(t)
            s3_object(r, acct, region, t, s.ident(), "PutObject", bucket_media, key, ip=inst.ip, ua=UA_JAVA,
                      size=r.randint(90_000, 2_400_000), vpce=net.vpce_s3)
            MEDIA_UPLOADS.append((acct, region, t, bucket_media, key))
    return app


MEDIA_UPLOADS = []

# ---------------------------------------------------------------------------------------------------
# Lambda functions


class Function:
    def __init__(self, acct, region, name, role, runtime="python", idle=900, kms_env=False):
        self.acct, self.region, self.name, self.role = acct, region, name, role
        self.runtime, self.idle, self.kms_env = runtime, idle, kms_env
        self.r = rng_for(f"lambda/{acct}/{region}/{name}")
        self.arn = f"arn:aws:lambda:{region}:{acct}:function:{name}"
        self.envs = []        # (start, last_used, session)

    def ua(self, api="s3"):
        return UA_LAMBDA_PY if self.runtime == "python" else UA_LAMBDA_JS.format(api=api)

    def session(self, t, init=None):
        """The execution environment serving an invocation at t (cold start when idle)."""
        r = self.r
        for env in self.envs:
            if env[1] <= t <= env[1] + self.idle and env[0] + 4 * 3600 > t:
                env[1] = t
                return env[2], False
        sess = assume_role_by_service(r, self.acct, self.region, t - 0.6, "lambda", self.role, self.name)
        ip = r.choice(LAMBDA_EGRESS[self.region])
        A.emit(r, self.acct, self.region, t - 0.3, sess.ident(), "logs", "CreateLogStream", ip=ip,
               ua=UA_LAMBDA_LOGS, req={"logGroupName": f"/aws/lambda/{self.name}",
                                       "logStreamName": f"{ts(t)[:10].replace('-', '/')}/[$LATEST]{hexs(r, 32)}"})
        if self.kms_env:
            A.emit(r, self.acct, self.region, t - 0.2, sess.ident(invoked_by="lambda.amazonaws.com"), "kms",
                   "Decrypt", ip="lambda.amazonaws.com", ua="lambda.amazonaws.com",
                   req={"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                        "encryptionContext": {"aws:lambda:FunctionArn": self.arn}},
                   res=[{"accountId": self.acct, "type": "AWS::KMS::Key",
                         "ARN": kms_key(self.acct, self.region, "lambda-env")}])
        env = [t, t, sess, ip]
        self.envs.append(env)
        if init:
            init(t + 0.4, sess, ip)
        return sess, True

    def ip(self, sess):
        for env in self.envs:
            if env[2] is sess:
                return env[3]
        return LAMBDA_EGRESS[self.region][0]

    def invoke_event(self, t, invoker, source_arn=None, data_events=True):
        if not data_events:
            return
        req = {"functionName": self.arn}
        if source_arn:
            req["sourceArn"] = source_arn
        A.emit(self.r, self.acct, self.region, t, service_ident(invoker), "lambda", "Invoke", ip=invoker,
               ua=invoker, req=req, add={"functionVersion": self.arn + ":$LATEST"},
               res=[{"accountId": self.acct, "type": "AWS::Lambda::Function", "ARN": self.arn}],
               data=True, ro=False)


def run_image_resize(acct, region, bucket):
    role = Role(acct, "image-resize-role", "/service-role/")
    fn = Function(acct, region, "image-resize", role, runtime="node", idle=600)
    r = fn.r
    for (a, rg, t, b, key) in sorted(MEDIA_UPLOADS, key=lambda x: x[2]):
        if (a, rg, b) != (acct, region, bucket):
            continue
        t += r.uniform(0.4, 2.0)
        fn.invoke_event(t, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
        sess, _ = fn.session(t + 0.3)
        ua = fn.ua("s3")
        ip = fn.ip(sess)
        s3_object(r, acct, region, t + 0.5, sess.ident(), "GetObject", bucket, key, ip=ip, ua=ua,
                  size=r.randint(90_000, 2_400_000))
        for size in ("thumb", "w800"):
            s3_object(r, acct, region, t + r.uniform(1.5, 3.5), sess.ident(), "PutObject", bucket,
                      key.replace("uploads/", f"{size}/"), ip=ip, ua=ua, size=r.randint(8_000, 160_000))


def run_order_processor(acct, region, per_day):
    """SQS-triggered; no data events for it, so only cold starts are visible (plus DynamoDB/SSM at init)."""
    role = Role(acct, "order-processor-role", "/service-role/")
    fn = Function(acct, region, "order-processor", role, kms_env=True, idle=1200)
    r = fn.r

    def init(t, sess, ip):
        A.emit(r, acct, region, t, sess.ident(), "dynamodb", "DescribeTable", ip=ip, ua=fn.ua(),
               req={"tableName": "orders"}, ro=True)
        A.emit(r, acct, region, t + 0.1, sess.ident(), "ssm", "GetParameter", ip=ip, ua=fn.ua(),
               req={"name": "/prod/order-processor/payment-endpoint", "withDecryption": False}, ro=True)
    for t in poisson_times(r, per_day, 300, 86000, weighted=True):
        fn.session(t, init)


def run_nightly_export(acct, region):
    """01:00: exports yesterday's orders to prod-customer-exports; 03:00 partner-sftp-push reads them."""
    role = Role(acct, "nightly-export-role", "/service-role/")
    fn = Function(acct, region, "nightly-export", role)
    r = fn.r
    key_arn = kms_key(acct, region, "exports")
    t = H(1, 0, 4)
    fn.invoke_event(t, "events.amazonaws.com", f"arn:aws:events:{region}:{acct}:rule/nightly-export")
    sess, _ = fn.session(t + 0.5)
    ip = fn.ip(sess)
    parts = 18
    t += 6
    s3_bucket_call(r, acct, region, t, sess.ident(), "ListObjects", "prod-customer-exports", ip=ip, ua=fn.ua(),
                   extra={"list-type": "2", "prefix": "exports/2026-11-01/", "encoding-type": "url"}, data=True,
                   ro=True)
    for i in range(parts):
        t += r.uniform(8, 25)
        key = f"exports/2026-11-01/orders-part-{i:04d}.csv.gz"
        kms_on_behalf(r, acct, region, t - 0.1, sess, "s3", "GenerateDataKey", key_arn,
                      {"aws:s3:arn": "arn:aws:s3:::prod-customer-exports"})
        s3_object(r, acct, region, t, sess.ident(), "PutObject", "prod-customer-exports", key, ip=ip, ua=fn.ua(),
                  size=r.randint(3_000_000, 9_000_000), kms=key_arn)
    # partner push
    role2 = Role(acct, "partner-sftp-push-role", "/service-role/")
    fn2 = Function(acct, region, "partner-sftp-push", role2)
    t = H(3, 0, 2)
    fn2.invoke_event(t, "events.amazonaws.com", f"arn:aws:events:{region}:{acct}:rule/partner-sftp-push")
    sess2, _ = fn2.session(t + 0.5)
    ip2 = fn2.ip(sess2)
    t += 3
    s3_bucket_call(r, acct, region, t, sess2.ident(), "ListObjects", "prod-customer-exports", ip=ip2, ua=fn2.ua(),
                   extra={"list-type": "2", "prefix": "exports/2026-11-01/", "encoding-type": "url"}, data=True,
                   ro=True)
    for i in range(parts):
        t += r.uniform(4, 12)
        kms_on_behalf(r, acct, region, t - 0.1, sess2, "s3", "Decrypt", key_arn,
                      {"aws:s3:arn": "arn:aws:s3:::prod-customer-exports"})
        s3_object(r, acct, region, t, sess2.ident(), "GetObject", "prod-customer-exports",
                  f"exports/2026-11-01/orders-part-{i:04d}.csv.gz", ip=ip2, ua=fn2.ua(),
                  size=r.randint(3_000_000, 9_000_000))


def run_ebs_tagger():
    """EventBridge rule on RunInstances -> Lambda tags the new instance's root volume with cost tags."""
    by_region = {}
    for (acct, region, t, inst) in EBS_TAGGER:
        by_region.setdefault((acct, region), []).append((t, inst))
    for (acct, region), items in sorted(by_region.items()):
        role = Role(acct, "ebs-tagger-role", "/service-role/")
        fn = Function(acct, region, "ebs-tagger", role)
        r = fn.r
        for (t, inst) in sorted(items, key=lambda x: x[0]):
            t += r.uniform(20, 60)
            sess, _ = fn.session(t)
            ip = fn.ip(sess)
            ec2_describe(r, acct, region, t + 0.4, sess.ident(), "DescribeVolumes", ip=ip, ua=fn.ua(),
                         req={"volumeSet": {}, "filterSet": {"items": [
                             {"name": "attachment.instance-id", "valueSet": {"items": [{"value": inst.id}]}}]}})
            A.emit(r, acct, region, t + 0.9, sess.ident(), "ec2", "CreateTags", ip=ip, ua=fn.ua(),
                   req={"resourcesSet": {"items": [{"resourceId": inst.vol}]},
                        "tagSet": {"items": [{"key": "CostCenter", "value": "CC-4120"},
                                             {"key": "Service", "value": "orders-api"},
                                             {"key": "aws-backup", "value": "daily"}]}},
                   resp={"_return": True})


def run_config_rule_lambda(acct, region):
    """Custom Config rule `required-tags`: evaluates instances after changes and reports PutEvaluations."""
    role = Role(acct, "config-rule-required-tags-role", "/service-role/")
    fn = Function(acct, region, "config-rule-required-tags", role)
    r = fn.r
    for (a2, r2, t0, kind, ids) in sorted(CONFIG_FOLLOWUPS, key=lambda x: x[2]):
        if (a2, r2) != (acct, region) or kind != "instance":
            continue
        t = t0 + r.uniform(500, 700)
        sess, _ = fn.session(t)
        A.emit(r, acct, region, t + 0.8, sess.ident(), "config", "PutEvaluations", ip=fn.ip(sess), ua=fn.ua(),
               req={"evaluations": [{"complianceResourceType": "AWS::EC2::Instance", "complianceResourceId": i,
                                     "complianceType": "COMPLIANT", "orderingTimestamp": java_ts(t0)} for i in ids],
                    "testMode": False},
               resp={"failedEvaluations": []})


# ---------------------------------------------------------------------------------------------------
# CI/CD: GitHub Actions via OIDC, and the legacy Jenkins IAM user `ci-deploy`


def gh_identity(acct, sub):
    prov = f"arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"
    return {"type": "WebIdentityUser", "principalId": f"{prov}:sts.amazonaws.com:{sub}", "userName": sub,
            "identityProvider": prov}


def run_github_deploys(acct, region, times, repo_env, stack, fn_name, ecr_repo, artifacts, service, open_sg=None):
    role = Role(acct, "github-actions-deploy")
    r = rng_for(f"gha/{acct}/{region}")
    sub = f"repo:example-org/shop:environment:{repo_env}"
    prov = f"arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"
    for n, t in enumerate(times):
        ip = r.choice(GH_RUNNER_IPS)
        sess = new_session(r, role, "GitHubActions", t)
        resp = {"credentials": {"accessKeyId": sess.key, "sessionToken": session_token(r),
                                "expiration": java_ts(t + 3600)},
                "subjectFromWebIdentityToken": sub,
                "assumedRoleUser": {"assumedRoleId": f"{role.id}:GitHubActions", "arn": sess.arn},
                "provider": prov, "audience": "sts.amazonaws.com"}
        A.emit(r, acct, region, t, gh_identity(acct, sub), "sts", "AssumeRoleWithWebIdentity", ip=ip,
               ua=("aws-sdk-js/3.693.0 ua/2.1 os/linux#6.8.0-1017-azure lang/js md/nodejs#20.18.0 "
                   "api/sts#3.693.0 m/E configure-aws-credentials-for-github-actions"),
               req={"roleArn": role.arn, "roleSessionName": "GitHubActions", "durationSeconds": 3600},
               resp=resp, add={"identityProviderConnectionVerificationMethod": "IAMTrustStore"},
               res=[{"accountId": acct, "type": "AWS::IAM::Role", "ARN": role.arn}], ro=True, version="1.08")
        ident = sess.ident()
        t += r.uniform(2, 5)
        A.emit(r, acct, region, t, ident, "sts", "GetCallerIdentity", ip=ip,
               ua=ua_cli("sts.get-caller-identity"), ro=True)
        t += r.uniform(20, 60)
        A.emit(r, acct, region, t, ident, "ecr", "GetAuthorizationToken", ip=ip,
               ua=ua_cli("ecr.get-login-password"), ro=True)
        tag = hexs(r, 7)
        t += r.uniform(30, 90)
        for op in ("BatchCheckLayerAvailability", "InitiateLayerUpload", "CompleteLayerUpload",
                   "BatchCheckLayerAvailability", "PutImage"):
            t += r.uniform(1, 15)
            req = {"repositoryName": ecr_repo, "registryId": acct}
            resp = None
            if op == "PutImage":
                req.update({"imageTag": f"sha-{tag}",
                            "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json"})
                resp = {"image": {"registryId": acct, "repositoryName": ecr_repo,
                                  "imageId": {"imageDigest": "sha256:" + hexs(r, 64), "imageTag": f"sha-{tag}"},
                                  "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json"}}
            elif op == "InitiateLayerUpload":
                resp = {"uploadId": uid(r), "partSize": 10485760}
            elif op == "CompleteLayerUpload":
                req.update({"uploadId": uid(r), "layerDigests": ["sha256:" + hexs(r, 64)]})
                resp = {"registryId": acct, "repositoryName": ecr_repo, "uploadId": req["uploadId"],
                        "layerDigest": req["layerDigests"][0]}
            A.emit(r, acct, region, t, ident, "ecr", op, ip=ip, ua="docker/24.0.7 go/go1.21.3 git-commit/311b9ff "
                   "kernel/6.8.0-1017-azure os/linux arch/amd64 UpstreamClient(Docker-Client/24.0.7 \\(linux\\))",
                   req=req, resp=resp, ro=op.startswith("Batch"),
                   res=[{"accountId": acct, "type": "AWS::ECR::Repository",
                         "ARN": f"arn:aws:ecr:{region}:{acct}:repository/{ecr_repo}"}])
        t += r.uniform(10, 30)
        key = f"{stack}/{tag}/lambda.zip"
        s3_object(r, acct, region, t, ident, "PutObject", artifacts, key, ip=ip, ua=ua_cli("s3.cp"),
                  size=r.randint(2_000_000, 6_000_000))
        t += r.uniform(5, 15)
        cs = f"arn:aws:cloudformation:{region}:{acct}:changeSet/awscli-cloudformation-package-deploy-{int(epoch_ms(t) / 1000)}/{uid(r)}"
        stack_arn = f"arn:aws:cloudformation:{region}:{acct}:stack/{stack}/{uid(rng_for('stack' + acct + stack))}"
        A.emit(r, acct, region, t, ident, "cloudformation", "DescribeStacks", ip=ip, ua=ua_cli("cloudformation.deploy"),
               req={"stackName": stack}, ro=True)
        t += r.uniform(1, 3)
        A.emit(r, acct, region, t, ident, "cloudformation", "CreateChangeSet", ip=ip, ua=ua_cli("cloudformation.deploy"),
               req={"stackName": stack,
                    "templateURL": f"https://s3.{region}.amazonaws.com/{artifacts}/{stack}/{tag}/template.yaml",
                    "parameters": [{"parameterKey": "ImageTag", "parameterValue": f"sha-{tag}"}],
                    "capabilities": ["CAPABILITY_IAM"], "changeSetName": cs.split("/")[1],
                    "changeSetType": "UPDATE", "description": "Created by AWS CLI at " + ts(t)},
               resp={"id": cs, "stackId": stack_arn})
        for _ in range(r.randint(2, 4)):
            t += r.uniform(4, 6)
            A.emit(r, acct, region, t, ident, "cloudformation", "DescribeChangeSet", ip=ip,
                   ua=ua_cli("cloudformation.deploy"), req={"changeSetName": cs, "stackName": stack}, ro=True)
        t += r.uniform(1, 2)
        A.emit(r, acct, region, t, ident, "cloudformation", "ExecuteChangeSet", ip=ip,
               ua=ua_cli("cloudformation.deploy"), req={"changeSetName": cs, "stackName": stack})
        # CloudFormation acting with the caller's credentials
        cfn = sess.ident(invoked_by="cloudformation.amazonaws.com")
        tc = t + r.uniform(4, 10)
        A.emit(r, acct, region, tc, cfn, "lambda", "UpdateFunctionCode20150331v2", ip="cloudformation.amazonaws.com",
               ua="cloudformation.amazonaws.com",
               req={"functionName": fn_name, "s3Bucket": artifacts, "s3Key": key, "publish": False},
               resp={"functionName": fn_name, "functionArn": f"arn:aws:lambda:{region}:{acct}:function:{fn_name}",
                     "runtime": "python3.12", "handler": "app.handler", "codeSize": r.randint(2_000_000, 6_000_000),
                     "version": "$LATEST", "state": "Active", "lastUpdateStatus": "InProgress",
                     "packageType": "Zip", "architectures": ["x86_64"]}, version="1.08")
        A.emit(r, acct, region, tc + 3, cfn, "ecs", "RegisterTaskDefinition", ip="cloudformation.amazonaws.com",
               ua="cloudformation.amazonaws.com",
               req={"family": service, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                    "cpu": "512", "memory": "1024", "executionRoleArn": f"arn:aws:iam::{acct}:role/ecsTaskExecutionRole",
                    "containerDefinitions": [{"name": service, "essential": True,
                                              "image": f"{acct}.dkr.ecr.{region}.amazonaws.com/{ecr_repo}:sha-{tag}",
                                              "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}]},
               resp={"taskDefinition": {"taskDefinitionArn": f"arn:aws:ecs:{region}:{acct}:task-definition/{service}:{214 + n}",
                                        "family": service, "revision": 214 + n, "status": "ACTIVE"}})
        A.emit(r, acct, region, tc + 6, cfn, "ecs", "UpdateService", ip="cloudformation.amazonaws.com",
               ua="cloudformation.amazonaws.com",
               req={"cluster": f"{ACCT_NAME[acct]}-apps", "service": service,
                    "taskDefinition": f"arn:aws:ecs:{region}:{acct}:task-definition/{service}:{214 + n}",
                    "forceNewDeployment": False})
        if open_sg and n == 0:
            net = NETS[(acct, region)]
            rule = "sgr-0" + hexs(r, 16)
            A.emit(r, acct, region, tc + 8, cfn, "ec2", "AuthorizeSecurityGroupIngress",
                   ip="cloudformation.amazonaws.com", ua="cloudformation.amazonaws.com",
                   req={"groupId": net.sg["db"], "ipPermissions": {"items": [{
                       "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
                       "groups": {"items": [{"groupId": net.sg["lambda"], "userId": acct}]},
                       "ipRanges": {}, "ipv6Ranges": {}, "prefixListIds": {}}]}},
                   resp={"_return": True, "securityGroupRuleSet": {"items": [{
                       "groupOwnerId": acct, "groupId": net.sg["db"], "securityGroupRuleId": rule, "isEgress": False,
                       "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432,
                       "referencedGroupInfo": {"groupId": net.sg["lambda"], "userId": acct}}]}})
            config_followup(acct, region, tc + 8, "sg", [net.sg["db"]])
        for _ in range(r.randint(5, 9)):
            t += r.uniform(8, 15)
            A.emit(r, acct, region, t, ident, "cloudformation", "DescribeStackEvents", ip=ip,
                   ua=ua_cli("cloudformation.deploy"), req={"stackName": stack}, ro=True)
        t += r.uniform(3, 8)
        A.emit(r, acct, region, t, ident, "cloudformation", "DescribeStacks", ip=ip, ua=ua_cli("cloudformation.deploy"),
               req={"stackName": stack}, ro=True)


CI_DEPLOY = User(PROD, "ci-deploy", "AIDA" + b32(rng_for("user/ci-deploy"), 17), "AKIA" + b32(rng_for("key/ci-deploy"), 16))


def run_jenkins():
    """Legacy Jenkins job still using IAM user ci-deploy's long-term key: publishes artifacts, checks stacks."""
    r = rng_for("jenkins")
    for t0 in (H(2, 10, 13), H(6, 40, 2), H(10, 20, 41), H(16, 5, 9), H(21, 30, 55)):
        t = t0
        ident = CI_DEPLOY.ident()
        A.emit(r, PROD, "us-east-1", t, ident, "ecr", "GetAuthorizationToken", ip=JENKINS_IP,
               ua=ua_jenkins("ecr.get-login-password"), ro=True)
        for i in range(r.randint(2, 4)):
            t += r.uniform(10, 40)
            s3_object(r, PROD, "us-east-1", t, ident, "PutObject", "prod-build-artifacts",
                      f"jenkins/legacy-batch/{5120 + int(t0 // 3600)}/artifact-{i}.tar.gz", ip=JENKINS_IP,
                      ua=ua_jenkins("s3.cp"), size=r.randint(400_000, 9_000_000))
        for _ in range(r.randint(1, 3)):
            t += r.uniform(3, 20)
            A.emit(r, PROD, "us-east-1", t, ident, "cloudformation", "DescribeStacks", ip=JENKINS_IP,
                   ua=ua_jenkins("cloudformation.describe-stacks"), req={"stackName": "legacy-batch"}, ro=True)


# ---------------------------------------------------------------------------------------------------
# people: IAM Identity Center (SSO) sessions


SSO_PROVIDER_HASH = "Zm1wTjFzS2E3b0F4ZEw2UXJ1eWk5d2JmR2M4PQ=="


class Human:
    def __init__(self, acct, login, permset, suffix, office_ip):
        self.acct, self.login, self.ip = acct, login, office_ip
        self.role = Role(acct, f"AWSReservedSSO_{permset}_{suffix}", "/aws-reserved/sso.amazonaws.com/")
        self.r = rng_for(f"human/{acct}/{login}")

    def sign_in(self, t, region="us-east-1"):
        """AssumeRoleWithSAML by IAM Identity Center; the session lasts the working day."""
        r = self.r
        sess = new_session(r, self.role, self.login, t)
        prov = f"arn:aws:iam::{self.acct}:saml-provider/AWSSSO_2f9c4b7a1d3e6058_DO_NOT_DELETE"
        ident = {"type": "SAMLUser", "principalId": f"{SSO_PROVIDER_HASH}:{self.login}", "userName": self.login,
                 "identityProvider": SSO_PROVIDER_HASH}
        A.emit(r, self.acct, region, t, ident, "sts", "AssumeRoleWithSAML", ip=self.ip, ua="aws-internal/3 aws-sdk-java/1.12.772 Linux/5.10.226-192.879.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/17.0.12+7-LTS java/17.0.12 vendor/Amazon.com_Inc. cfg/retry-mode/standard",
               req={"sAMLAssertionID": "_" + uid(r), "roleSessionName": self.login, "roleArn": self.role.arn,
                    "principalArn": prov, "durationSeconds": 43200},
               resp={"credentials": {"accessKeyId": sess.key, "sessionToken": session_token(r),
                                     "expiration": java_ts(t + 43200)},
                     "assumedRoleUser": {"assumedRoleId": f"{self.role.id}:{self.login}", "arn": sess.arn},
                     "subject": self.login, "subjectType": "persistent",
                     "issuer": "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/MDEyMzQ1Njc4OTAx",
                     "audience": "https://signin.aws.amazon.com/saml", "nameQualifier": SSO_PROVIDER_HASH},
               res=[{"accountId": self.acct, "type": "AWS::IAM::Role", "ARN": self.role.arn},
                    {"accountId": self.acct, "type": "AWS::IAM::SAMLProvider", "ARN": prov}],
               ro=True, version="1.08", tls=False)
        return sess

    def console(self, sess, region, t, svc, name, req=None, resp=None, ro=None, **kw):
        r = self.r
        internal = svc in ("ec2", "monitoring", "elasticloadbalancing") and r.random() < 0.35
        ip = "AWS Internal" if internal else self.ip
        ua = "AWS Internal" if internal else (UA_CHROME if self.login.startswith(("alice", "carol")) else UA_FIREFOX)
        return A.emit(r, self.acct, region, t, sess.ident(), svc, name, ip=ip, ua=ua, req=req, resp=resp, ro=ro,
                      console=True, **kw)

    def cli(self, sess, region, t, svc, name, cmd, req=None, resp=None, ro=None, **kw):
        return A.emit(self.r, self.acct, region, t, sess.ident(), svc, name, ip=self.ip, ua=ua_cli_mac(cmd),
                      req=req, resp=resp, ro=ro, **kw)


def browse(h, sess, region, t_from, t_to, menu, per_hour):
    """Console page views: each view is a small burst of read calls."""
    r = h.r
    t = t_from
    while True:
        t += r.expovariate(per_hour / 3600.0)
        if t >= t_to:
            return
        calls = r.choice(menu)
        tt = t
        for (svc, name, req) in calls:
            tt += r.uniform(0.1, 1.5)
            h.console(sess, region, tt, svc, name, req=req, ro=True)


def alb_arn(acct, region):
    return f"arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/{ACCT_NAME[acct]}-web-alb/4f2c9a1b7d3e5f60"


def ec2_menu(acct, region):
    net = NETS[(acct, region)]
    return [
        [("ec2", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
         ("ec2", "DescribeInstanceStatus", {"instancesSet": {}, "filterSet": {}, "includeAllInstances": True}),
         ("ec2", "DescribeAddresses", {"publicIpsSet": {}, "allocationIdsSet": {}, "filterSet": {}})],
        [("ec2", "DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}),
         ("ec2", "DescribeVpcs", {"vpcSet": {}, "filterSet": {}})],
        [("ec2", "DescribeSecurityGroups", {"securityGroupSet": {}, "securityGroupIdSet": {"items": [{"groupId": net.sg["db"]}]}, "filterSet": {}}),
         ("ec2", "DescribeSecurityGroupRules", {"securityGroupRuleIdSet": {}, "filterSet": {"items": [
             {"name": "group-id", "valueSet": {"items": [{"value": net.sg["db"]}]}}]}, "maxResults": 1000})],
        [("monitoring", "DescribeAlarms", {"maxRecords": 100}),
         ("monitoring", "GetMetricData", {"metricDataQueries": [{"id": "m1", "metricStat": {"metric": {
             "namespace": "AWS/ApplicationELB", "metricName": "TargetResponseTime", "dimensions": [
                 {"name": "LoadBalancer", "value": f"app/{ACCT_NAME[acct]}-web-alb/4f2c9a1b7d3e5f60"}]},
             "period": 60, "stat": "p99"}, "returnData": True}], "startTime": "Nov 2, 2026, 6:00:00 AM",
             "endTime": "Nov 2, 2026, 9:00:00 AM"})],
        [("elasticloadbalancing", "DescribeLoadBalancers", {"pageSize": 400}),
         ("elasticloadbalancing", "DescribeTargetGroups", {"loadBalancerArn": alb_arn(acct, region)}),
         ("elasticloadbalancing", "DescribeTargetHealth", {"targetGroupArn": f"arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/{ACCT_NAME[acct]}-web-tg/9b8a7c6d5e4f3a21"})],
        [("logs", "DescribeLogGroups", {"limit": 50}),
         ("logs", "FilterLogEvents", {"logGroupName": "/ecs/orders-api", "startTime": epoch_ms(H(8)),
                                      "filterPattern": "ERROR", "interleaved": True})],
        [("cloudformation", "DescribeStacks", None), ("cloudformation", "ListStacks",
                                                      {"stackStatusFilter": ["CREATE_COMPLETE", "UPDATE_COMPLETE"]})],
        [("ssm", "DescribeInstanceInformation", {"maxResults": 50}),
         ("ssm", "GetParameter", {"name": "/prod/orders-api/feature/new-checkout-percentage", "withDecryption": False})],
        [("lambda", "ListFunctions20150331", None),
         ("lambda", "GetFunction20150331v2", {"functionName": "order-processor"})],
    ]


def run_alice():
    """Prod on-call engineer (IAM Identity Center, PowerUserAccess) — console from the office."""
    h = Human(PROD, "alice@example.com", "PowerUserAccess", "6b1e9a3c4d2f7085", OFFICE_IP)
    r = h.r
    sess = h.sign_in(H(7, 52, 18))
    browse(h, sess, "us-east-1", H(7, 53), H(11, 40), ec2_menu(PROD, "us-east-1"), 9)
    browse(h, sess, "eu-west-1", H(9, 10), H(9, 40), ec2_menu(PROD, "eu-west-1"), 8)
    browse(h, sess, "us-east-1", H(13, 5), H(16, 50), ec2_menu(PROD, "us-east-1"), 7)
    net = NETS[(PROD, "us-east-1")]
    # open PostgreSQL to the internal network for the analytics VPC peering (10.0.0.0/8 only)
    t = H(10, 47, 31)
    rule = "sgr-0" + hexs(r, 16)
    h.console(sess, "us-east-1", t, "ec2", "AuthorizeSecurityGroupIngress",
              req={"groupId": net.sg["db"], "ipPermissions": {"items": [{
                  "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "groups": {},
                  "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8", "description": "analytics VPC peering"}]},
                  "ipv6Ranges": {}, "prefixListIds": {}}]}},
              resp={"_return": True, "securityGroupRuleSet": {"items": [{
                  "groupOwnerId": PROD, "groupId": net.sg["db"], "securityGroupRuleId": rule, "isEgress": False,
                  "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": "10.0.0.0/8",
                  "description": "analytics VPC peering"}]}}, ro=False)
    config_followup(PROD, "us-east-1", t, "sg", [net.sg["db"]])
    # tag a bucket and an instance for the cost report
    h.console(sess, "us-east-1", H(14, 12, 5), "s3", "PutBucketTagging",
              req={"bucketName": "prod-media-assets", "Host": "prod-media-assets.s3.amazonaws.com", "tagging": "",
                   "Tagging": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "TagSet": {"Tag": [
                       {"Key": "CostCenter", "Value": "CC-4120"}, {"Key": "Owner", "Value": "platform"}]}}},
              add=s3_add(r), res=[{"accountId": PROD, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::prod-media-assets"}],
              ro=False, host="prod-media-assets.s3.amazonaws.com")
    config_followup(PROD, "us-east-1", H(14, 12, 5), "bucket", ["prod-media-assets"])
    # SSM session to a web instance to look at a stuck JVM
    h.console(sess, "us-east-1", H(15, 2, 44), "ssm", "StartSession",
              req={"target": "i-0" + hexs(r, 16)},
              resp={"sessionId": "alice@example.com-0" + hexs(r, 16),
                    "tokenValue": "Value hidden due to security reasons.",
                    "streamUrl": "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/alice@example.com-0"
                                 + hexs(r, 16) + "?role=publish_subscribe&cell-number=AAEAAQ"}, ro=False)
    # the afternoon from the CLI (aws sso login)
    sess2 = h.sign_in(H(16, 55, 2))
    t = H(16, 56)
    for cmd, svc, name, req in [("sts.get-caller-identity", "sts", "GetCallerIdentity", None),
                                ("ec2.describe-instances", "ec2", "DescribeInstances",
                                 {"instancesSet": {}, "filterSet": {"items": [{"name": "tag:aws:autoscaling:groupName",
                                                                                "valueSet": {"items": [{"value": "prod-web-asg"}]}}]}}),
                                ("autoscaling.describe-auto-scaling-groups", "autoscaling", "DescribeAutoScalingGroups",
                                 {"autoScalingGroupNames": ["prod-web-asg"]}),
                                ("logs.tail", "logs", "FilterLogEvents", {"logGroupName": "/ecs/orders-api",
                                                                          "startTime": epoch_ms(H(16, 40)),
                                                                          "interleaved": True})]:
        t += r.uniform(10, 60)
        h.cli(sess2, "us-east-1", t, svc, name, cmd, req=req, ro=True)


def run_bob():
    """Developer in the dev account: CLI from a laptop (office/VPN), some console."""
    h = Human(DEV, "bob@example.com", "DeveloperAccess", "0c7d2e5f9a1b3846", VPN_IP)
    r = h.r
    sess = h.sign_in(H(8, 31, 40))
    cli_calls = [
        ("lambda.list-functions", "lambda", "ListFunctions20150331", None),
        ("lambda.get-function", "lambda", "GetFunction20150331v2", {"functionName": "cart-service"}),
        ("logs.filter-log-events", "logs", "FilterLogEvents", {"logGroupName": "/aws/lambda/cart-service",
                                                               "startTime": epoch_ms(H(8)), "interleaved": True}),
        ("dynamodb.describe-table", "dynamodb", "DescribeTable", {"tableName": "carts-dev"}),
        ("ec2.describe-instances", "ec2", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}),
        ("s3.ls", "s3", "ListBuckets", None),
        ("cloudformation.describe-stacks", "cloudformation", "DescribeStacks", {"stackName": "shop-dev"}),
        ("sts.get-caller-identity", "sts", "GetCallerIdentity", None),
        ("ssm.get-parameter", "ssm", "GetParameter", {"name": "/dev/cart-service/redis-host", "withDecryption": False}),
        ("ecr.describe-images", "ecr", "DescribeImages", {"repositoryName": "shop/cart-service", "maxResults": 100}),
    ]
    for t in poisson_times(r, 260, H(8, 32), H(17, 40), weighted=True):
        cmd, svc, name, req = r.choice(cli_calls)
        region = "us-east-1" if r.random() < 0.85 else "eu-west-1"
        if svc == "s3":
            A.emit(r, DEV, region, t, sess.ident(), "s3", "ListBuckets", ip=h.ip, ua=ua_cli_mac(cmd),
                   req={"Host": "s3.amazonaws.com"}, add=s3_add(r), ro=True, host="s3.amazonaws.com")
            continue
        h.cli(sess, region, t, svc, name, cmd, req=req, ro=True)
    browse(h, sess, "us-east-1", H(13, 30), H(15, 0), ec2_menu(DEV, "us-east-1"), 6)
    # allow the new cart-service Lambda SG to reach Redis (security-group reference, no CIDR)
    net = NETS[(DEV, "us-east-1")]
    t = H(11, 18, 6)
    h.cli(sess, "us-east-1", t, "ec2", "AuthorizeSecurityGroupIngress", "ec2.authorize-security-group-ingress",
          req={"groupId": net.sg["db"], "ipPermissions": {"items": [{
              "ipProtocol": "tcp", "fromPort": 6379, "toPort": 6379,
              "groups": {"items": [{"groupId": net.sg["lambda"]}]}, "ipRanges": {}, "ipv6Ranges": {},
              "prefixListIds": {}}]}},
          resp={"_return": True, "securityGroupRuleSet": {"items": [{
              "groupOwnerId": DEV, "groupId": net.sg["db"], "securityGroupRuleId": "sgr-0" + hexs(r, 16),
              "isEgress": False, "ipProtocol": "tcp", "fromPort": 6379, "toPort": 6379,
              "referencedGroupInfo": {"groupId": net.sg["lambda"], "userId": DEV}}]}}, ro=False)
    config_followup(DEV, "us-east-1", t, "sg", [net.sg["db"]])
    h.cli(sess, "us-east-1", t + 95, "ec2", "CreateTags", "ec2.create-tags",
          req={"resourcesSet": {"items": [{"resourceId": net.sg["db"]}]},
               "tagSet": {"items": [{"key": "Owner", "value": "bob@example.com"}]}}, resp={"_return": True}, ro=False)


def run_carol():
    """Security engineer in the security account: GuardDuty, Security Hub and Athena over the trail."""
    h = Human(SEC, "carol@example.com", "SecurityEngineer", "9e4a1c7b2d5f3068", OFFICE_IP)
    r = h.r
    sess = h.sign_in(H(8, 5, 51))
    det = GD_DETECTORS[(SEC, "us-east-1")]
    menu = [
        [("guardduty", "ListDetectors", None), ("guardduty", "ListFindings", {
            "detectorId": det, "findingCriteria": {"criterion": {"service.archived": {"eq": ["false"]}}},
            "sortCriteria": {"attributeName": "updatedAt", "orderBy": "DESC"}, "maxResults": 50}),
         ("guardduty", "GetFindingsStatistics", {"detectorId": det, "findingStatisticTypes": ["COUNT_BY_SEVERITY"]})],
        [("securityhub", "GetFindings", {"filters": {"recordState": [{"value": "ACTIVE", "comparison": "EQUALS"}],
                                                     "workflowStatus": [{"value": "NEW", "comparison": "EQUALS"}]},
                                         "maxResults": 25}),
         ("securityhub", "DescribeHub", None)],
        [("cloudtrail", "DescribeTrails", {"trailNameList": [], "includeShadowTrails": True}),
         ("cloudtrail", "GetTrailStatus", {"name": f"arn:aws:cloudtrail:us-east-1:{SEC}:trail/security-audit"})],
        [("access-analyzer", "ListFindingsV2", {"analyzerArn": f"arn:aws:access-analyzer:us-east-1:{SEC}:analyzer/org-analyzer",
                                                "maxResults": 100})],
    ]
    browse(h, sess, "us-east-1", H(8, 6), H(12, 0), menu, 5)
    browse(h, sess, "us-east-1", H(13, 0), H(17, 15), menu, 4)
    # Athena over the CloudTrail table
    wg = "primary"
    for t in poisson_times(r, 70, H(9, 0), H(17, 0), weighted=True):
        qid = uid(r)
        h.console(sess, "us-east-1", t, "athena", "StartQueryExecution",
                  req={"queryString": "HIDDEN_DUE_TO_SECURITY_REASONS", "queryExecutionContext": {"database": "cloudtrail"},
                       "workGroup": wg}, resp={"queryExecutionId": qid}, ro=False)
        A.emit(r, SEC, "us-east-1", t + 0.2, sess.ident(invoked_by="athena.amazonaws.com"), "glue", "GetTable",
               ip="athena.amazonaws.com", ua="athena.amazonaws.com",
               req={"catalogId": SEC, "databaseName": "cloudtrail", "name": "org_trail_logs"}, ro=True)
        for k in range(r.randint(1, 3)):
            h.console(sess, "us-east-1", t + 1.5 + 2 * k, "athena", "GetQueryExecution",
                      req={"queryExecutionId": qid}, ro=True)
        h.console(sess, "us-east-1", t + 8, "athena", "GetQueryResults", req={"queryExecutionId": qid,
                                                                            "maxResults": 100}, ro=True)


# ---------------------------------------------------------------------------------------------------
# monitoring, security tooling, cross-account audit, backup, service noise

GD_DETECTORS = {(a, rg): hexs(rng_for(f"gd/{a}/{rg}"), 32) for a in (PROD, DEV, SEC) for rg in REGIONS}


def run_grafana():
    """Grafana on an EC2 host in prod us-east-1 polling CloudWatch for both app regions."""
    r = rng_for("grafana")
    role = Role(PROD, "grafana-cloudwatch-reader")
    iid = "i-0" + hexs(r, 16)
    sessions = []
    t = r.uniform(0, 3600)
    while t < 86300:
        sessions.append(assume_role_by_service(r, PROD, "us-east-1", t, "ec2", role, iid, ec2=True))
        t += r.uniform(3300, 3900)
    sessions.insert(0, new_session(r, role, iid, -1800, ec2=True))

    def sess_at(t):
        cur = sessions[0]
        for s in sessions:
            if s.created <= t:
                cur = s
        return cur
    for region in ("us-east-1", "eu-west-1"):
        for t in ticks(r, 300, 0, 86300, 0.02):
            A.emit(r, PROD, region, t, sess_at(t).ident(), "monitoring", "GetMetricData", ip=NAT_IPS[(PROD, "us-east-1")][0],
                   ua=UA_GRAFANA, req={"metricDataQueries": [
                       {"id": "a", "metricStat": {"metric": {"namespace": "AWS/ApplicationELB", "metricName": "RequestCount",
                                                             "dimensions": [{"name": "LoadBalancer", "value": "app/prod-web-alb/4f2c9a1b7d3e5f60"}]},
                                                  "period": 60, "stat": "Sum"}, "returnData": True},
                       {"id": "b", "metricStat": {"metric": {"namespace": "AWS/ApplicationELB", "metricName": "HTTPCode_Target_5XX_Count",
                                                             "dimensions": [{"name": "LoadBalancer", "value": "app/prod-web-alb/4f2c9a1b7d3e5f60"}]},
                                                  "period": 60, "stat": "Sum"}, "returnData": True}],
                       "startTime": java_ts(t - 3 * 3600), "endTime": java_ts(t)}, ro=True,
                   host=f"monitoring.{region}.amazonaws.com")
        for t in ticks(r, 1800, 0, 86300, 0.02):
            A.emit(r, PROD, region, t, sess_at(t).ident(), "monitoring", "DescribeAlarms",
                   ip=NAT_IPS[(PROD, "us-east-1")][0], ua=UA_GRAFANA, req={"stateValue": "ALARM", "maxRecords": 100},
                   ro=True)


def run_guardduty_triage():
    """Security tooling Lambda (security account, us-east-1) polling GuardDuty in every region, hourly at :02."""
    role = Role(SEC, "SecurityTooling-gd-triage")
    fn = Function(SEC, "us-east-1", "gd-triage", role, idle=3700)
    r = fn.r
    for hour in range(24):
        t0 = H(hour, 2, 0) + r.uniform(0, 3)
        sess, _ = fn.session(t0)
        for k, region in enumerate(REGIONS):
            t = t0 + 0.5 + 1.3 * k
            det = GD_DETECTORS[(SEC, region)]
            A.emit(r, SEC, region, t, sess.ident(), "guardduty", "ListFindings", ip=fn.ip(sess), ua=fn.ua(),
                   req={"detectorId": det, "findingCriteria": {"criterion": {
                       "updatedAt": {"greaterThanOrEqual": epoch_ms(t0 - 3600)},
                       "service.archived": {"eq": ["false"]}}}, "maxResults": 50}, ro=True,
                   host=f"guardduty.{region}.amazonaws.com")
            if r.random() < 0.25:
                A.emit(r, SEC, region, t + 1.1, sess.ident(), "guardduty", "GetFindings", ip=fn.ip(sess), ua=fn.ua(),
                       req={"detectorId": det, "findingIds": [hexs(r, 32)]}, ro=True)
                A.emit(r, SEC, region, t + 1.6, sess.ident(), "securityhub", "GetFindings", ip=fn.ip(sess), ua=fn.ua(),
                       req={"filters": {"productName": [{"value": "GuardDuty", "comparison": "EQUALS"}]},
                            "maxResults": 20}, ro=True)


def run_securityhub_service():
    """Security Hub imports findings from integrated AWS services into each account/region."""
    for acct in (PROD, DEV, SEC):
        for region in REGIONS:
            r = rng_for(f"securityhub/{acct}/{region}")
            for t in poisson_times(r, (16 if acct == PROD else 10) if region == "us-east-1" else 5, 0, 86300):
                n = r.randint(1, 6)
                A.emit(r, acct, region, t, service_ident("securityhub.amazonaws.com"), "securityhub",
                       "BatchImportFindings", ip="securityhub.amazonaws.com", ua="securityhub.amazonaws.com",
                       req=None, resp={"failedCount": 0, "successCount": n, "failedFindings": []}, ro=False)
            sess = slr_session(SLR_SECURITYHUB[acct], "securityhub", "securityhub.amazonaws.com", r)
            for t in ticks(r, 12 * 3600, 0, 86300, 0.05):
                for n in ("DescribeFlowLogs", "DescribeSecurityGroups", "DescribeSnapshots", "DescribeImages"):
                    t += r.uniform(0.5, 5)
                    ec2_describe(r, acct, region, t, sess.ident(), n, ip="securityhub.amazonaws.com",
                                 ua="securityhub.amazonaws.com", tls=False)
                if region == "us-east-1":
                    for n, req in (("GetAccountPasswordPolicy", None), ("GetAccountSummary", None)):
                        t += r.uniform(0.5, 3)
                        A.emit(r, acct, region, t, sess.ident(), "iam", n, ip="securityhub.amazonaws.com",
                               ua="securityhub.amazonaws.com", req=req, ro=True, tls=False,
                               err="NoSuchEntityException" if n == "GetAccountPasswordPolicy" and acct == DEV else None,
                               msg="The Password Policy with domain name 444455556666 cannot be found." if acct == DEV and n == "GetAccountPasswordPolicy" else None)
                for n in ("DescribeTrails", "GetEventSelectors"):
                    t += r.uniform(0.5, 3)
                    A.emit(r, acct, region, t, sess.ident(), "cloudtrail", n, ip="securityhub.amazonaws.com",
                           ua="securityhub.amazonaws.com", ro=True, tls=False,
                           req={"trailNameList": [], "includeShadowTrails": True} if n == "DescribeTrails" else
                           {"trailName": f"arn:aws:cloudtrail:us-east-1:{acct}:trail/org-trail"})


def run_cross_account_audit():
    """A security-account Lambda assumes OrganizationSecurityAudit in prod and dev every 6 hours."""
    src_role = Role(SEC, "security-audit-scanner-role", "/service-role/")
    fn = Function(SEC, "us-east-1", "security-audit-scanner", src_role, idle=600)
    r = fn.r
    for t0 in (H(0, 15, 3), H(6, 15, 1), H(12, 15, 4), H(18, 15, 2)):
        for target in (PROD, DEV):
            t = t0 + (0 if target == PROD else 240)
            sess, _ = fn.session(t)
            ip = fn.ip(sess)
            role = Role(target, "OrganizationSecurityAudit")
            key = "ASIA" + b32(r, 16)
            shared = uid(r)
            req = {"roleArn": role.arn, "roleSessionName": "security-audit-scanner", "durationSeconds": 900}
            resp = {"credentials": {"accessKeyId": key, "sessionToken": session_token(r), "expiration": java_ts(t + 900)},
                    "assumedRoleUser": {"assumedRoleId": f"{role.id}:security-audit-scanner",
                                        "arn": f"arn:aws:sts::{target}:assumed-role/OrganizationSecurityAudit/security-audit-scanner"}}
            res = [{"accountId": target, "type": "AWS::IAM::Role", "ARN": role.arn}]
            rid = uid(r)
            # logged in the caller's account ...
            A.emit(r, SEC, "us-east-1", t + 0.5, sess.ident(), "sts", "AssumeRole", ip=ip, ua=fn.ua(), req=req,
                   resp=resp, res=res, ro=True, shared=shared, rid=rid, recipient=SEC, version="1.08")
            # ... and in the role's account, where the caller is only an AWSAccount
            A.emit(r, target, "us-east-1", t + 0.5, {"type": "AWSAccount",
                                                     "principalId": f"{src_role.id}:security-audit-scanner",
                                                     "accountId": SEC}, "sts", "AssumeRole", ip=ip, ua=fn.ua(),
                   req=req, resp=resp, res=res, ro=True, shared=shared, rid=rid, recipient=target, version="1.08")
            audit = Session(role, "security-audit-scanner", t + 0.5, key)
            tt = t + 2
            buckets = (["prod-customer-exports", "prod-media-assets", "prod-app-config", "prod-build-artifacts"]
                       if target == PROD else ["dev-build-artifacts", "dev-scratch-444455556666"])
            A.emit(r, target, "us-east-1", tt, audit.ident(), "s3", "ListBuckets", ip=ip, ua=fn.ua(),
                   req={"Host": "s3.amazonaws.com"}, add=s3_add(r), ro=True, host="s3.amazonaws.com")
            for b in buckets:
                for n, sub in (("GetBucketPublicAccessBlock", "publicAccessBlock"), ("GetBucketPolicyStatus", "policyStatus"),
                               ("GetBucketEncryption", "encryption")):
                    tt += r.uniform(0.2, 0.9)
                    err = msg = None
                    if n == "GetBucketPolicyStatus" and not bucket_has_policy(b, tt):
                        err, msg = "NoSuchBucketPolicy", "The bucket policy does not exist"
                    if n == "GetBucketPublicAccessBlock" and not bucket_has_pab(b, tt):
                        err, msg = ("NoSuchPublicAccessBlockConfiguration",
                                    "The public access block configuration was not found")
                    s3_bucket_call(r, target, "us-east-1", tt, audit.ident(), n, b, ip=ip, ua=fn.ua(),
                                   extra={sub: ""}, ro=True, err=err, msg=msg)
            for region in REGIONS:
                tt += r.uniform(0.5, 2)
                ec2_describe(r, target, region, tt, audit.ident(), "DescribeSecurityGroups", ip=ip, ua=fn.ua())
                ec2_describe(r, target, region, tt + 0.7, audit.ident(), "DescribeSnapshots", ip=ip, ua=fn.ua(),
                             req={"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]},
                                  "restorableBySet": {"items": [{"user": "all"}]}, "filterSet": {}})
                A.emit(r, target, region, tt + 1.3, audit.ident(), "cloudtrail", "GetTrailStatus", ip=ip, ua=fn.ua(),
                       req={"name": f"arn:aws:cloudtrail:us-east-1:{target}:trail/org-trail"}, ro=True)
            A.emit(r, target, "us-east-1", tt + 2, audit.ident(), "iam", "GetAccountPasswordPolicy", ip=ip, ua=fn.ua(),
                   ro=True, err="NoSuchEntityException" if target == DEV else None,
                   msg=f"The Password Policy with domain name {DEV} cannot be found." if target == DEV else None)


def run_backup():
    """AWS Backup: nightly EBS snapshots in prod us-east-1 and copies to us-west-2 (DR)."""
    r = rng_for("backup")
    role = SLR_BACKUP
    sess = Session(role, "AWSBackup-AWSBackupDefaultServiceRole", H(3) - 60, "ASIA" + b32(r, 16),
                   invoked_by="backup.amazonaws.com")
    vols = ["vol-0" + hexs(r, 16) for _ in range(6)]
    t = H(3, 0, 31)
    for v in vols:
        t += r.uniform(5, 40)
        snap = "snap-0" + hexs(r, 16)
        A.emit(r, PROD, "us-east-1", t, sess.ident(), "ec2", "CreateSnapshot", ip="backup.amazonaws.com",
               ua="backup.amazonaws.com",
               req={"volumeId": v, "description": "This snapshot is created by the AWS Backup service.",
                    "tagSpecificationSet": {"items": [{"resourceType": "snapshot", "tags": [
                        {"key": "aws:backup:source-resource", "value": f"{v}:{uid(r)}"}]}]}},
               resp={"snapshotId": snap, "volumeId": v, "status": "pending", "startTime": epoch_ms(t),
                     "progress": "", "ownerId": PROD, "volumeSize": 50, "encrypted": True,
                     "kmsKeyId": kms_key(PROD, "us-east-1", "ebs"), "storageTier": "standard"})
        t2 = t + r.uniform(1800, 3600)
        snap2 = "snap-0" + hexs(r, 16)
        A.emit(r, PROD, "us-west-2", t2, sess.ident(), "ec2", "CopySnapshot", ip="backup.amazonaws.com",
               ua="backup.amazonaws.com",
               req={"sourceRegion": "us-east-1", "sourceSnapshotId": snap, "description": "This snapshot is created by the AWS Backup service.",
                    "encrypted": True, "kmsKeyId": kms_key(PROD, "us-west-2", "ebs"), "destinationRegion": "us-west-2"},
               resp={"snapshotId": snap2})
        ec2_describe(r, PROD, "us-west-2", t2 + 60, sess.ident(), "DescribeSnapshots", ip="backup.amazonaws.com",
                     ua="backup.amazonaws.com", tls=False,
                     req={"snapshotSet": {"items": [{"snapshotId": snap2}]}, "ownersSet": {}, "restorableBySet": {},
                          "filterSet": {}})


def run_ecs_pulls(acct, region, per_day):
    """Fargate pulls images with the task execution role (ECR calls invoked by ecs-tasks)."""
    role = Role(acct, "ecsTaskExecutionRole")
    r = rng_for(f"ecs/{acct}/{region}")
    repos = ["shop/orders-api", "shop/cart-service"] if acct == PROD else ["shop/cart-service", "shop/orders-api"]
    for t in poisson_times(r, per_day, 0, 86300, weighted=True):
        sess = new_session(r, role, uid(r).replace("-", ""), t - 2)
        ident = sess.ident(invoked_by="ecs-tasks.amazonaws.com")
        for k, op in enumerate(("GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer")):
            req = None if op == "GetAuthorizationToken" else {"repositoryName": r.choice(repos), "registryId": acct}
            if op == "BatchGetImage":
                req["imageIds"] = [{"imageTag": "sha-" + hexs(r, 7)}]
                req["acceptedMediaTypes"] = ["application/vnd.oci.image.manifest.v1+json"]
            elif op == "GetDownloadUrlForLayer":
                req["layerDigest"] = "sha256:" + hexs(r, 64)
            A.emit(r, acct, region, t + k * 0.4, ident, "ecr", op, ip="ecs-tasks.amazonaws.com",
                   ua="ecs-tasks.amazonaws.com", req=req, ro=True)


def run_dev_misconfigured():
    """Dev automation with broken permissions: a handful of AccessDenied errors."""
    r = rng_for("dev-errors")
    # cost-reporter Lambda lacks ce:GetCostAndUsage
    role = Role(DEV, "cost-reporter-role", "/service-role/")
    fn = Function(DEV, "us-east-1", "cost-reporter", role)
    for t in (H(6, 0, 3), H(12, 0, 2), H(18, 0, 4)):
        sess, _ = fn.session(t)
        for k in range(3):    # SDK retries? no: the job retries itself
            A.emit(fn.r, DEV, "us-east-1", t + 0.8 + k * 2.1, sess.ident(), "ce", "GetCostAndUsage",
                   ip=fn.ip(sess), ua=fn.ua(), ro=True,
                   req={"timePeriod": {"start": "2026-11-01", "end": "2026-11-02"}, "granularity": "DAILY",
                        "metrics": ["UnblendedCost"], "groupBy": [{"type": "DIMENSION", "key": "SERVICE"}]},
                   err="AccessDenied",
                   msg=(f"User: {sess.arn} is not authorized to perform: ce:GetCostAndUsage on resource: "
                        f"arn:aws:ce:us-east-1:{DEV}:/GetCostAndUsage because no identity-based policy allows "
                        f"the ce:GetCostAndUsage action"))
    # an ETL role whose key policy doesn't include it
    etl = Role(DEV, "dev-etl-glue-role", "/service-role/")
    key_arn = kms_key(DEV, "eu-west-1", "datalake")
    for t in (H(4, 30, 12), H(4, 30, 44), H(16, 30, 9)):
        s = new_session(r, etl, "GlueJobRunnerSession", t - 40)
        A.emit(r, DEV, "eu-west-1", t, s.ident(), "kms", "Decrypt", ip=r.choice(LAMBDA_EGRESS["eu-west-1"]),
               ua="aws-sdk-java/1.12.770 Linux/5.10.226-214.880.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.12+7-LTS java/17.0.12 scala/2.12.18 vendor/Amazon.com_Inc. cfg/retry-mode/legacy",
               req={"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                    "encryptionContext": {"aws:s3:arn": "arn:aws:s3:::dev-datalake-raw/events/2026/11/01/"}},
               res=[{"accountId": DEV, "type": "AWS::KMS::Key", "ARN": key_arn}], ro=True,
               err="AccessDenied",
               msg=(f"User: {s.arn} is not authorized to perform: kms:Decrypt on resource: {key_arn} because no "
                    f"resource-based policy allows the kms:Decrypt action"))
    # inventory job pointed at the wrong region's role
    inv = Role(DEV, "inventory-sync-role")
    for t in (H(9, 0, 20), H(21, 0, 18)):
        s = new_session(r, inv, "inventory-sync", t - 5)
        ec2_describe(r, DEV, "eu-west-1", t, s.ident(), "DescribeInstances", ip=NAT_IPS[(DEV, "eu-west-1")][0],
                     ua=UA_BOTO_EC2, err="Client.UnauthorizedOperation",
                     msg="You are not authorized to perform this operation. User: " + s.arn + " is not authorized "
                         "to perform: ec2:DescribeInstances because no identity-based policy allows the "
                         "ec2:DescribeInstances action")


def run_dev_scheduler():
    """Dev instance scheduler Lambda: starts the dev bastion/test boxes at 07:00, stops them at 19:00."""
    role = Role(DEV, "instance-scheduler-role", "/service-role/")
    fn = Function(DEV, "us-east-1", "instance-scheduler", role)
    r = fn.r
    boxes = ["i-0" + hexs(r, 16) for _ in range(3)]
    for t, op, cur, prev in ((H(7, 0, 5), "StartInstances", "pending", "stopped"),
                             (H(19, 0, 4), "StopInstances", "stopping", "running")):
        fn.invoke_event(t, "events.amazonaws.com", f"arn:aws:events:us-east-1:{DEV}:rule/instance-scheduler",
                        data_events=False)
        sess, _ = fn.session(t)
        ec2_describe(r, DEV, "us-east-1", t + 0.6, sess.ident(), "DescribeInstances", ip=fn.ip(sess), ua=fn.ua(),
                     req={"instancesSet": {}, "filterSet": {"items": [{"name": "tag:Schedule",
                                                                         "valueSet": {"items": [{"value": "office-hours"}]}}]}})
        A.emit(r, DEV, "us-east-1", t + 1.2, sess.ident(), "ec2", op, ip=fn.ip(sess), ua=fn.ua(),
               req={"instancesSet": {"items": [{"instanceId": i} for i in boxes]}} | ({"force": False} if op == "StopInstances" else {}),
               resp=state_change(boxes, cur, prev))
        config_followup(DEV, "us-east-1", t + 1.2, "instance", boxes)


def run_dev_lambdas():
    """cart-service (API Gateway) cold starts and a few scheduled jobs in dev."""
    for region, per_day in (("us-east-1", 45), ("eu-west-1", 12)):
        role = Role(DEV, "cart-service-role", "/service-role/")
        fn = Function(DEV, region, "cart-service", role, runtime="node", idle=900)
        r = fn.r

        def init(t, sess, ip, fn=fn, r=r, region=region):
            A.emit(r, DEV, region, t, sess.ident(), "ssm", "GetParameter", ip=ip, ua=fn.ua("ssm"),
                   req={"name": "/dev/cart-service/redis-host", "withDecryption": False}, ro=True)
            A.emit(r, DEV, region, t + 0.2, sess.ident(), "sts", "GetCallerIdentity", ip=ip, ua=fn.ua("sts"), ro=True)
        for t in poisson_times(r, per_day, 600, 86000, weighted=True):
            fn.session(t, init)


def run_sts_identity_checks():
    """Misc. GetCallerIdentity from health checks of batch hosts (roles only)."""
    for acct, region, per in ((PROD, "eu-west-1", 24), (DEV, "us-west-2", 6), (PROD, "us-west-2", 6)):
        r = rng_for(f"gci/{acct}/{region}")
        role = Role(acct, "batch-healthcheck-role")
        iid = "i-0" + hexs(r, 16)
        sess = None
        for t in ticks(r, 86400 / per, 0, 86300, 0.05):
            if sess is None or t - sess.created > 3500:
                sess = assume_role_by_service(r, acct, region, t - 3, "ec2", role, iid, ec2=True)
            A.emit(r, acct, region, t, sess.ident(), "sts", "GetCallerIdentity", ip=NAT_IPS[(acct, region)][0],
                   ua=UA_BOTO_EC2, ro=True, host=f"sts.{region}.amazonaws.com")
            if r.random() < 0.6:
                A.emit(r, acct, region, t + 0.5, sess.ident(), "ssm", "GetParameters", ip=NAT_IPS[(acct, region)][0],
                       ua=UA_BOTO_EC2, req={"names": [f"/{ACCT_NAME[acct]}/batch/queue-url",
                                                      f"/{ACCT_NAME[acct]}/batch/concurrency"], "withDecryption": False},
                       ro=True)


# ---------------------------------------------------------------------------------------------------
# the intrusion (account 111122223333, 12:11 - 12:48 UTC)

SVC_BACKUP2 = User(PROD, "svc-backup2", "AIDA" + b32(rng_for("user/svc-backup2"), 17),
                   "AKIA" + b32(rng_for("key/svc-backup2"), 16))
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/org-trail"
INTRUSION = []      # (time, principal, call, what a responder sees)


def run_intrusion():
    r = rng_for("intrusion")
    ip = ATTACKER_IP
    me = CI_DEPLOY.ident()

    def note(t, who, call, what):
        INTRUSION.append((hhmm(t), who, call, what))

    def call(t, ident, region, svc, name, cmd, **kw):
        return A.emit(r, PROD, region, t, ident, svc, name, ip=ip, ua=ua_kali(cmd), tag="intrusion", **kw)

    # 1. discovery with the leaked key of ci-deploy
    t = H(12, 11, 4)
    call(t, me, "us-east-1", "sts", "GetCallerIdentity", "sts.get-caller-identity", ro=True,
         host="sts.us-east-1.amazonaws.com", version="1.08")
    note(t, "ci-deploy (AKIA…)", "sts:GetCallerIdentity",
         "first use of ci-deploy's key from 203.0.113.66 with a Kali Linux aws-cli")
    t = H(12, 11, 39)
    call(t, me, "us-east-1", "iam", "ListUsers", "iam.list-users", ro=True)
    call(H(12, 11, 52), me, "us-east-1", "iam", "ListRoles", "iam.list-roles", ro=True)
    call(H(12, 12, 10), me, "us-east-1", "iam", "ListAttachedUserPolicies", "iam.list-attached-user-policies",
         req={"userName": "ci-deploy"}, ro=True)
    call(H(12, 12, 24), me, "us-east-1", "iam", "ListUserPolicies", "iam.list-user-policies",
         req={"userName": "ci-deploy"}, ro=True)
    call(H(12, 13, 2), me, "us-east-1", "iam", "GetAccountAuthorizationDetails", "iam.get-account-authorization-details",
         ro=True)
    note(t, "ci-deploy", "iam:ListUsers, ListRoles, ListAttachedUserPolicies, ListUserPolicies, "
         "GetAccountAuthorizationDetails", "IAM enumeration by a long-term key of a CI user")
    t = H(12, 13, 41)
    call(t, me, "us-east-1", "organizations", "ListAccounts", "organizations.list-accounts", ro=True,
         err="AccessDeniedException", msg="You don't have permissions to access this resource.")
    call(H(12, 13, 58), me, "us-east-1", "secretsmanager", "ListSecrets", "secretsmanager.list-secrets", ro=True,
         req={"maxResults": 100}, err="AccessDenied",
         msg=(f"User: {CI_DEPLOY.arn} is not authorized to perform: secretsmanager:ListSecrets because no "
              f"identity-based policy allows the secretsmanager:ListSecrets action"))
    note(t, "ci-deploy", "organizations:ListAccounts, secretsmanager:ListSecrets",
         "AccessDenied / AccessDeniedException — probing beyond the key's permissions")
    t = H(12, 14, 6)
    A.emit(r, PROD, "us-east-1", t, me, "s3", "ListBuckets", ip=ip, ua=ua_kali("s3.ls"), req={"Host": "s3.amazonaws.com"},
           add=s3_add(r), ro=True, host="s3.amazonaws.com", tag="intrusion")
    call(H(12, 14, 31), me, "us-east-1", "ec2", "DescribeInstances", "ec2.describe-instances",
         req={"instancesSet": {}, "filterSet": {}}, ro=True, host="ec2.us-east-1.amazonaws.com")
    call(H(12, 14, 44), me, "eu-west-1", "ec2", "DescribeInstances", "ec2.describe-instances",
         req={"instancesSet": {}, "filterSet": {}}, ro=True, host="ec2.eu-west-1.amazonaws.com")
    call(H(12, 15, 20), me, "us-east-1", "cloudtrail", "DescribeTrails", "cloudtrail.describe-trails",
         req={"trailNameList": [], "includeShadowTrails": True}, ro=True)
    note(t, "ci-deploy", "s3:ListBuckets, ec2:DescribeInstances (us-east-1, eu-west-1), cloudtrail:DescribeTrails",
         "resource discovery across regions")

    # 2. persistence: a new admin user with a key and a console password
    t = H(12, 19, 10)
    create = call(t, me, "us-east-1", "iam", "CreateUser", "iam.create-user", req={"userName": "svc-backup2"},
                  resp={"user": {"path": "/", "userName": "svc-backup2", "userId": SVC_BACKUP2.uid,
                                 "arn": SVC_BACKUP2.arn, "createDate": java_ts(t)}})
    note(t, "ci-deploy", "iam:CreateUser svc-backup2", "new IAM user created by a CI identity from an internet IP")
    t = H(12, 19, 34)
    call(t, me, "us-east-1", "iam", "AttachUserPolicy", "iam.attach-user-policy",
         req={"userName": "svc-backup2", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
    note(t, "ci-deploy", "iam:AttachUserPolicy AdministratorAccess → svc-backup2", "privilege escalation to admin")
    t = H(12, 19, 58)
    call(t, me, "us-east-1", "iam", "CreateAccessKey", "iam.create-access-key", req={"userName": "svc-backup2"},
         resp={"accessKey": {"userName": "svc-backup2", "accessKeyId": SVC_BACKUP2.key, "status": "Active",
                             "createDate": java_ts(t)}})
    note(t, "ci-deploy", "iam:CreateAccessKey for svc-backup2",
         f"persistence: long-term key {SVC_BACKUP2.key} issued to the new user (secret not logged)")
    t = H(12, 20, 17)
    call(t, me, "us-east-1", "iam", "CreateLoginProfile", "iam.create-login-profile",
         req={"userName": "svc-backup2", "passwordResetRequired": False},
         resp={"loginProfile": {"userName": "svc-backup2", "createDate": java_ts(t), "passwordResetRequired": False}})
    note(t, "ci-deploy", "iam:CreateLoginProfile for svc-backup2", "console password for the backdoor user (no MFA)")

    # 3. defence evasion with the new user's key
    new = SVC_BACKUP2.ident()
    t = H(12, 24, 40)
    call(t, new, "us-east-1", "sts", "GetCallerIdentity", "sts.get-caller-identity", ro=True,
         host="sts.us-east-1.amazonaws.com", version="1.08")
    t = H(12, 25, 2)
    call(t, new, "us-east-1", "cloudtrail", "StopLogging", "cloudtrail.stop-logging", req={"name": TRAIL_ARN})
    note(t, "svc-backup2 (new AKIA…)", "cloudtrail:StopLogging org-trail",
         "trail stopped; these events survive only because the account's second trail (security-audit) kept logging")

    # 4. network exposure
    net = NETS[(PROD, "us-east-1")]
    t = H(12, 29, 33)
    call(t, new, "us-east-1", "ec2", "DescribeSecurityGroups", "ec2.describe-security-groups",
         req={"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}, ro=True)
    t = H(12, 30, 11)
    sgr = "sgr-0" + hexs(r, 16)
    call(t, new, "us-east-1", "ec2", "AuthorizeSecurityGroupIngress", "ec2.authorize-security-group-ingress",
         req={"groupId": net.sg["web"], "ipPermissions": {"items": [{
             "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": {},
             "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}, "ipv6Ranges": {}, "prefixListIds": {}}]}},
         resp={"_return": True, "securityGroupRuleSet": {"items": [{
             "groupOwnerId": PROD, "groupId": net.sg["web"], "securityGroupRuleId": sgr, "isEgress": False,
             "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}]}})
    note(t, "svc-backup2", f"ec2:AuthorizeSecurityGroupIngress {net.sg['web']} tcp/22 from 0.0.0.0/0",
         "SSH opened to the internet on the prod web tier")
    config_followup(PROD, "us-east-1", t, "sg", [net.sg["web"]])     # AWS Config records the change

    # 5. data exposure: make prod-customer-exports public
    b = "prod-customer-exports"
    t = H(12, 35, 48)
    s3_bucket_call(r, PROD, "us-east-1", t, new, "GetBucketPolicy", b, ip=ip, ua=ua_kali("s3api.get-bucket-policy"),
                   extra={"policy": ""}, ro=True, tag="intrusion", err="NoSuchBucketPolicy",
                   msg="The bucket policy does not exist")
    t = H(12, 36, 20)
    s3_bucket_call(r, PROD, "us-east-1", t, new, "DeleteBucketPublicAccessBlock", b, ip=ip,
                   ua=ua_kali("s3api.delete-public-access-block"), extra={"publicAccessBlock": ""}, ro=False,
                   tag="intrusion")
    note(t, "svc-backup2", f"s3:DeleteBucketPublicAccessBlock {b}", "bucket-level Block Public Access removed")
    t = H(12, 36, 45)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{b}/*"},
        {"Sid": "PublicList", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
         "Resource": f"arn:aws:s3:::{b}"}]}
    s3_bucket_call(r, PROD, "us-east-1", t, new, "PutBucketPolicy", b, ip=ip, ua=ua_kali("s3api.put-bucket-policy"),
                   extra={"bucketPolicy": policy, "policy": ""}, ro=False, tag="intrusion")
    note(t, "svc-backup2", f"s3:PutBucketPolicy {b} (Principal \"*\")", "customer exports readable by anyone")
    config_followup(PROD, "us-east-1", t, "bucket", [b])
    t = H(12, 37, 12)
    owner = hexs(rng_for("canonical/" + PROD), 64)
    s3_bucket_call(r, PROD, "us-east-1", t, new, "PutBucketAcl", b, ip=ip, ua=ua_kali("s3api.put-bucket-acl"),
                   extra={"acl": "", "AccessControlPolicy": {
                       "AccessControlList": {"Grant": [
                           {"Grantee": {"xsi:type": "CanonicalUser",
                                        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "ID": owner},
                            "Permission": "FULL_CONTROL"},
                           {"Grantee": {"xsi:type": "Group",
                                        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                        "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                            "Permission": "READ"}]},
                       "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", "Owner": {"ID": owner}}},
                   ro=False, tag="intrusion")
    note(t, "svc-backup2", f"s3:PutBucketAcl {b} AllUsers READ", "bucket listing granted to everyone by ACL too")

    # 6. anonymous download of the exports (S3 data events on this bucket are enabled)
    anon = {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
    t = H(12, 41, 3)
    A.emit(r, PROD, "us-east-1", t, anon, "s3", "ListObjects", ip=ip, ua=ua_kali("s3.ls"),
           req={"bucketName": b, "Host": f"{b}.s3.amazonaws.com", "list-type": "2", "prefix": "exports/",
                "encoding-type": "url"},
           add=s3_add(r, auth=False), res=[{"accountId": PROD, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{b}"}],
           data=True, ro=True, host=f"{b}.s3.amazonaws.com", tag="intrusion")
    first = t
    for i in range(0, 18, 3):
        t += r.uniform(20, 70)
        s3_object(r, PROD, "us-east-1", t, anon, "GetObject", b, f"exports/2026-11-01/orders-part-{i:04d}.csv.gz",
                  ip=ip, ua=ua_kali("s3.cp"), size=r.randint(3_000_000, 9_000_000), tag="intrusion",
                  bucket_acct=PROD)
    note(first, "anonymous", f"s3:ListObjects + 6× GetObject on {b} (12:41–{hhmm(t)[:5]})",
         "unauthenticated download of customer exports from the same IP")


# ---------------------------------------------------------------------------------------------------
# orchestration


def build():
    web_role = Role(PROD, "orders-api-instance-role")
    Fleet(PROD, "us-east-1", "prod-web-asg", 6,
          [(H(7, 40, 12), 8), (H(9, 5, 40), 10), (H(13, 22, 5), 9), (H(13, 24, 0), 10), (H(19, 30, 9), 8),
           (H(22, 10, 44), 6)],
          web_role, orders_app("prod-app-config", "prod-media-assets", "/prod/orders-api/", "prod/orders-api/db", "prod")).run()
    Fleet(PROD, "eu-west-1", "prod-web-eu-asg", 4, [(H(7, 10, 2), 5), (H(8, 2, 51), 6), (H(18, 45, 30), 4)],
          Role(PROD, "orders-api-instance-role"),
          orders_app("prod-app-config-eu", "prod-media-assets-eu", "/prod/orders-api/", "prod/orders-api/db", "prod")).run()
    Fleet(DEV, "us-east-1", "dev-web-asg", 2, [(H(9, 44, 10), 3), (H(17, 50, 2), 2)],
          Role(DEV, "orders-api-instance-role"),
          orders_app("dev-app-config", "dev-media-assets", "/dev/orders-api/", "dev/orders-api/db", "dev"),
          itype="t3.medium").run()
    Fleet(DEV, "eu-west-1", "dev-web-eu-asg", 1, [], Role(DEV, "orders-api-instance-role"), None,
          itype="t3.medium").run()

    run_image_resize(PROD, "us-east-1", "prod-media-assets")
    run_image_resize(PROD, "eu-west-1", "prod-media-assets-eu")
    run_order_processor(PROD, "us-east-1", 60)
    run_order_processor(PROD, "eu-west-1", 25)
    run_nightly_export(PROD, "us-east-1")
    run_ebs_tagger()
    run_dev_scheduler()

    run_github_deploys(PROD, "us-east-1", [H(9, 41, 17), H(15, 20, 3)], "production", "shop-prod", "order-processor",
                       "shop/orders-api", "prod-build-artifacts", "orders-api", open_sg=True)
    run_github_deploys(PROD, "eu-west-1", [H(9, 58, 40), H(15, 36, 51)], "production", "shop-prod-eu",
                       "order-processor", "shop/orders-api", "prod-build-artifacts-eu", "orders-api")
    run_github_deploys(DEV, "us-east-1", [H(8, 50, 2), H(10, 12, 9), H(11, 33, 30), H(13, 57, 1), H(14, 49, 40),
                                          H(16, 21, 12)], "development", "shop-dev", "cart-service",
                       "shop/cart-service", "dev-build-artifacts", "cart-service", open_sg=True)
    run_jenkins()

    run_alice()
    run_bob()
    run_carol()
    run_grafana()
    run_guardduty_triage()
    run_securityhub_service()
    run_cross_account_audit()
    run_backup()
    run_ecs_pulls(PROD, "us-east-1", 30)
    run_ecs_pulls(PROD, "eu-west-1", 12)
    run_ecs_pulls(DEV, "us-east-1", 25)
    run_dev_misconfigured()
    run_dev_lambdas()
    run_sts_identity_checks()
    run_intrusion()

    # after everything that changes configuration has run:
    run_config_rule_lambda(PROD, "us-east-1")
    run_config_rule_lambda(PROD, "eu-west-1")
    run_config_rule_lambda(DEV, "us-east-1")
    run_config()


def clamp_items():
    """Keep everything inside the day (activity seeded before midnight starts at 00:00)."""
    out = []
    for (acct, region, t, seq, rec, tag) in A.items:
        if t < 0 or t >= 86340:
            continue
        out.append((acct, region, t, seq, rec, tag))
    A.items = out


def write_archive(root):
    base = os.path.join(root, "AWSLogs")
    if os.path.isdir(base):
        shutil.rmtree(base)
    groups = {}
    for item in A.items:
        groups.setdefault((item[0], item[1]), []).append(item)
    names = rng_for("file-names")
    counts = {}
    nfiles = 0
    for (acct, region) in sorted(groups):
        items = sorted(groups[(acct, region)], key=lambda x: (x[2], x[3]))
        i = 0
        while i < len(items):
            start = items[i][2]
            window = names.uniform(540, 900)
            j = i
            while j < len(items) and items[j][2] < start + window:
                j += 1
            chunk = items[i:j]
            i = j
            delivered = min(chunk[-1][2] + names.uniform(45, 280), 86399)
            d = DAY + dt.timedelta(seconds=int(delivered))
            folder = os.path.join(base, acct, "CloudTrail", region, d.strftime("%Y"), d.strftime("%m"), d.strftime("%d"))
            os.makedirs(folder, exist_ok=True)
            suffix = "".join(names.choice(ALNUM) for _ in range(16))
            fname = f"{acct}_CloudTrail_{region}_{d.strftime('%Y%m%dT%H%MZ')}_{suffix}.json.gz"
            body = json.dumps({"Records": [c[4] for c in chunk]}, separators=(",", ":")).encode()
            with open(os.path.join(folder, fname), "wb") as fh:
                fh.write(gzip.compress(body, compresslevel=9, mtime=0))
            nfiles += 1
            counts[(acct, region)] = counts.get((acct, region), 0) + len(chunk)
    return counts, nfiles


def eventbridge(record, source, detail_type, seed):
    r = rng_for("eventbridge/" + seed)
    return {"version": "0", "id": uid(r), "detail-type": detail_type, "source": source,
            "account": record["recipientAccountId"], "time": record["eventTime"], "region": record["awsRegion"],
            "resources": [], "detail": record}


def write_events(events_dir):
    os.makedirs(events_dir, exist_ok=True)
    intr = sorted([it for it in A.items if it[5] == "intrusion"], key=lambda x: (x[2], x[3]))
    with open(os.path.join(events_dir, "intrusion.jsonl"), "w") as fh:
        for it in intr:
            fh.write(json.dumps(it[4], separators=(",", ":")) + "\n")
    stop = next(it[4] for it in intr if it[4]["eventName"] == "StopLogging")
    with open(os.path.join(events_dir, "cloudtrail-stoplogging.json"), "w") as fh:
        json.dump(eventbridge(stop, "aws.cloudtrail", "AWS API Call via CloudTrail", "stoplogging"), fh, indent=2)
        fh.write("\n")

    # GuardDuty: instance credentials of the prod web role used from outside AWS (next night; standalone sample)
    r = rng_for("guardduty-event")
    det = GD_DETECTORS[(PROD, "us-east-1")]
    fid = hexs(r, 32)
    iid = "i-0" + hexs(r, 16)
    role = Role(PROD, "orders-api-instance-role")
    key = "ASIA" + b32(r, 16)
    first, last = "2026-11-03T02:14:09.000Z", "2026-11-03T02:31:47.000Z"
    finding = {
        "schemaVersion": "2.0", "accountId": PROD, "region": "us-east-1", "partition": "aws", "id": fid,
        "arn": f"arn:aws:guardduty:us-east-1:{PROD}:detector/{det}/finding/{fid}",
        "type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "resource": {"resourceType": "AccessKey", "accessKeyDetails": {
            "accessKeyId": key, "principalId": f"{role.id}:{iid}", "userName": role.name, "userType": "AssumedRole"}},
        "service": {
            "serviceName": "guardduty", "detectorId": det,
            "action": {"actionType": "AWS_API_CALL", "awsApiCallAction": {
                "api": "ListBuckets", "serviceName": "s3.amazonaws.com", "callerType": "Remote IP",
                "remoteIpDetails": {"ipAddressV4": "203.0.113.201",
                                    "organization": {"asn": "64500", "asnOrg": "EXAMPLE-TRANSIT", "isp": "Example Hosting",
                                                     "org": "Example Hosting"},
                                    "country": {"countryName": "Netherlands"}, "city": {"cityName": "Amsterdam"},
                                    "geoLocation": {"lat": 52.3759, "lon": 4.8975}},
                "affectedResources": {}}},
            "resourceRole": "TARGET",
            "additionalInfo": {"value": "{}", "type": "default"},
            "eventFirstSeen": first, "eventLastSeen": last, "archived": False, "count": 4},
        "severity": 8.0, "createdAt": "2026-11-03T02:24:51.662Z", "updatedAt": "2026-11-03T02:38:12.117Z",
        "title": f"Credentials for instance role {role.name} used from external IP address.",
        "description": (f"Credentials created exclusively for an EC2 instance using instance role {role.name} "
                        f"have been used from external IP address 203.0.113.201."),
        "confidence": 8.0}
    gd = {"version": "0", "id": uid(r), "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
          "account": PROD, "time": "2026-11-03T02:38:12Z", "region": "us-east-1",
          "resources": [], "detail": finding}
    with open(os.path.join(events_dir, "guardduty-finding.json"), "w") as fh:
        json.dump(gd, fh, indent=2)
        fh.write("\n")

    # Trusted Advisor: AWS reports ci-deploy's key found in a public repository (after the attacker found it)
    r = rng_for("trusted-advisor-event")
    ta = {"version": "0", "id": uid(r), "detail-type": "Trusted Advisor Check Item Refresh Notification",
          "source": "aws.trustedadvisor", "account": PROD, "time": "2026-11-02T12:47:30Z", "region": "us-east-1",
          "resources": [],
          "detail": {"check-name": "Exposed Access Keys",
                     "check-item-detail": {
                         "Case ID": uid(r),
                         "Usage (USD per Day)": "0",
                         "User Name (IAM or Root)": "ci-deploy",
                         "Deadline": str(epoch_ms(H(12, 44, 52)) + 3 * 24 * 3600 * 1000),
                         "Access Key ID": CI_DEPLOY.key,
                         "Time Updated": str(epoch_ms(H(12, 44, 52))),
                         "Fraud Type": "Exposed",
                         "Location": "https://github.com/example-org/legacy-batch-scripts/blob/4e1a9c2/jenkins/deploy.env"},
                     "status": "ERROR",
                     "resource_id": base64.urlsafe_b64encode(bytes(r.getrandbits(8) for _ in range(32))).decode().rstrip("="),
                     "uuid": uid(r)}}
    with open(os.path.join(events_dir, "trustedadvisor-exposed-access-keys.json"), "w") as fh:
        json.dump(ta, fh, indent=2)
        fh.write("\n")
    return intr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("archive", nargs="?", default="examples/archive")
    ap.add_argument("--events", help="where the EventBridge samples go (default: ARCHIVE/../events)")
    ap.add_argument("--timeline", action="store_true", help="print the intrusion timeline as a Markdown table")
    args = ap.parse_args()
    build()
    clamp_items()
    counts, nfiles = write_archive(args.archive)
    events_dir = args.events or os.path.join(os.path.dirname(os.path.abspath(args.archive)), "events")
    intr = write_events(events_dir)
    total = sum(counts.values())
    for (acct, region), n in sorted(counts.items()):
        print(f"{acct} ({ACCT_NAME[acct]:8s}) {region:10s} {n:6d} records")
    print(f"{total} records in {nfiles} files; {len(intr)} intrusion records")
    if args.timeline:
        print("| time (UTC) | principal | call | what a responder should see |")
        print("|---|---|---|---|")
        for row in sorted(INTRUSION):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
