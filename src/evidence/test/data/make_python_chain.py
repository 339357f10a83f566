#!/usr/bin/env python3
"""Writes python_chain/: two CloudTrail-format digests over two log files, made and signed by an
independent implementation (Python json + gzip + the `rsa` package that awscli uses), so that
firebreak's validator is checked against bytes it did not produce. Layout: LocalFolderSource's
(<bucket>/<key>, signature in a plain-text <key>.sig sidecar); public_key.b64 holds the
ListPublicKeys-style Value (base64 PKCS#1 DER). Run from this folder; the output is checked in."""
import base64, gzip, hashlib, json, os, rsa

BUCKET = 'py-bucket'
ACCT = '210987654321'
FINGERPRINT = 'aws-style-fingerprint-0123456789'  # any text: matched verbatim


def put(key, data, signature=None):
    path = os.path.join('python_chain', BUCKET, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    if signature:
        with open(path + '.sig', 'w') as f:
            f.write(signature + '\n')


pub, priv = rsa.newkeys(2048)
previous = None
for hour in (1, 2):
    log_key = f'AWSLogs/{ACCT}/CloudTrail/eu-west-1/2026/11/28/{ACCT}_CloudTrail_eu-west-1_20261128T0{hour}00Z_py.json.gz'
    log_text = json.dumps({'Records': [{'eventName': 'GetObject', 'n': hour}]}).encode()
    put(log_key, gzip.compress(log_text, mtime=0))
    end = f'2026-11-28T0{hour}:00:00Z'
    key = (f'AWSLogs/{ACCT}/CloudTrail-Digest/eu-west-1/2026/11/28/'
           f'{ACCT}_CloudTrail-Digest_eu-west-1_main_eu-west-1_20261128T0{hour}0000Z.json.gz')
    digest = {
        'awsAccountId': ACCT, 'digestStartTime': f'2026-11-28T0{hour - 1}:00:00Z', 'digestEndTime': end,
        'digestS3Bucket': BUCKET, 'digestS3Object': key, 'digestPublicKeyFingerprint': FINGERPRINT,
        'digestSignatureAlgorithm': 'SHA256withRSA', 'newestEventTime': end, 'oldestEventTime': end,
        'previousDigestS3Bucket': previous and BUCKET, 'previousDigestS3Object': previous and previous[0],
        'previousDigestHashValue': previous and hashlib.sha256(previous[1]).hexdigest(),
        'previousDigestHashAlgorithm': previous and 'SHA-256',
        'previousDigestSignature': previous and previous[2],
        'logFiles': [{'s3Bucket': BUCKET, 's3Object': log_key, 'hashValue': hashlib.sha256(log_text).hexdigest(),
                      'hashAlgorithm': 'SHA-256', 'newestEventTime': end, 'oldestEventTime': end}],
    }
    text = json.dumps(digest, indent=2).encode()
    to_sign = f"{end}\n{BUCKET}/{key}\n{hashlib.sha256(text).hexdigest()}\n{digest['previousDigestSignature'] or 'null'}"
    signature = rsa.sign(to_sign.encode(), priv, 'SHA-256').hex()
    put(key, gzip.compress(text, mtime=0), signature)
    previous = (key, text, signature)

with open('python_chain/public_key.b64', 'w') as f:
    f.write(base64.b64encode(pub.save_pkcs1('DER')).decode() + '\n')
with open('python_chain/newest_digest_key', 'w') as f:
    f.write(previous[0] + '\n')
