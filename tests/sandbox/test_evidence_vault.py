"""`firebreak evidence` end to end, as a responder runs it from the README: keys, add, seal, list,
verify, export, verify --bundle; then tampering of each kind on the files, caught and named by
the CLI (exit 1), and the write-once refusals. No sandbox needed for the local vault."""
import json
import os
import pathlib
import shutil
import stat
import subprocess
import tempfile
import unittest

from sandbox_fixture import FIREBREAK, Sandbox


def run(*args, cwd, check=True, env=None):
    proc = subprocess.run([FIREBREAK, "evidence", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"evidence {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def rewrite(path, data):
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    pathlib.Path(path).write_bytes(data)


class LocalVaultTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fb-vault-")
        self.vault = pathlib.Path(self.dir, "firebreak-state/vault")
        run("keys", "rotate", cwd=self.dir)
        run("add", "CASE-7", "--kind", "note", "--text", "attacker IP 203.0.113.7", cwd=self.dir)
        pathlib.Path(self.dir, "di.json").write_text('{"Reservations": []}\n')
        run("add", "CASE-7", "--kind", "api-response", "--file", "di.json", "--source",
            "ec2:DescribeInstances 111111111111/us-east-1", "--collected-by", "alice", cwd=self.dir)
        run("add", "CASE-8", "--kind", "note", "--text", "unrelated", cwd=self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def entries(self):
        return json.loads(run("list", "--json", cwd=self.dir).stdout)

    def verify(self, *extra):
        return run("verify", *extra, cwd=self.dir, check=False)

    def test_collect_verify_export(self):
        entries = self.entries()
        self.assertEqual([e["kind"] for e in entries], ["note", "api-response", "note"])
        self.assertEqual(entries[1]["collected_by"], "alice")
        self.assertEqual(entries[1]["previous_entry_sha256"],
                         __import__("hashlib").sha256(
                             (self.vault / "manifest/00000000000000000001.json").read_bytes()).hexdigest())
        proc = self.verify("--verbose")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("3/3 manifest entries valid", proc.stdout)
        self.assertIn("4/4 objects valid", proc.stdout)  # with vault.json
        self.assertIn("OK: every item verified", proc.stdout)
        report = json.loads(self.verify("--json").stdout)
        self.assertTrue(report["ok"])
        self.assertEqual(report["digests"]["valid"], report["digests"]["total"])

        out = run("export", "CASE-7", "--out", "bundle", "--exported-by", "bob", cwd=self.dir).stdout
        self.assertIn("2 entries, 2 objects", out)
        self.assertIn("2 items of other cases left out", out)
        # The bundle alone: move it elsewhere and remove the vault and the key store.
        moved = pathlib.Path(tempfile.mkdtemp(prefix="fb-bundle-"), "bundle")
        shutil.move(os.path.join(self.dir, "bundle"), moved)
        shutil.rmtree(os.path.join(self.dir, "firebreak-state"))
        proc = run("verify", "--bundle", str(moved), cwd=moved.parent, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("BUNDLE OK", proc.stdout)
        custody = (moved / "custody-report.md").read_text()
        self.assertIn("| 2 | api-response | di.json |", custody)
        self.assertNotIn("unrelated", custody)
        # Tampered bundle object: named, exit 1.
        obj = moved / entries[1]["object"]
        rewrite(obj, b'{"Reservations": [{"forged": true}]}\n')
        proc = run("verify", "--bundle", str(moved), cwd=moved.parent, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(entries[1]["object"] + "\tINVALID: hash mismatch", proc.stdout)
        self.assertIn("BUNDLE FAILED", proc.stdout)
        shutil.rmtree(moved.parent)

    def test_changed_byte_is_a_hash_mismatch(self):
        entry = self.entries()[0]
        path = self.vault / entry["object"]
        data = bytearray(path.read_bytes())
        data[0] ^= 1
        rewrite(path, bytes(data))
        proc = self.verify()
        self.assertEqual(proc.returncode, 1)
        self.assertIn(f"Object\t{entry['object']}\tINVALID: hash mismatch", proc.stdout)
        self.assertIn("FAILED: 1 problem(s)", proc.stdout)

    def test_deleted_object_is_missing(self):
        entry = self.entries()[2]
        os.remove(self.vault / entry["object"])
        proc = self.verify()
        self.assertEqual(proc.returncode, 1)
        self.assertIn(f"Object\t{entry['object']}\tINVALID: missing", proc.stdout)

    def test_reordered_digests_are_caught(self):
        digests = sorted(self.vault.rglob("*.json.gz"))
        self.assertEqual(len(digests), 3)  # each add seals
        a, b = digests[:2]
        for suffix in ("", ".sig"):
            pa, pb = pathlib.Path(str(a) + suffix), pathlib.Path(str(b) + suffix)
            da, db = pa.read_bytes(), pb.read_bytes()
            rewrite(pa, db)
            rewrite(pb, da)
        proc = self.verify()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("INVALID: moved", proc.stdout)

    def test_forged_signature_is_caught(self):
        digest = sorted(self.vault.rglob("*.json.gz"))[-1]
        sig = pathlib.Path(str(digest) + ".sig")
        meta = json.loads(sig.read_text())
        meta["signature"] = meta["signature"][:-2] + ("00" if meta["signature"][-2:] != "00" else "11")
        rewrite(sig, json.dumps(meta).encode())
        proc = self.verify()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("INVALID: signature invalid", proc.stdout)

    def test_unsealed_item_is_not_covered_until_sealed(self):
        run("add", "CASE-7", "--kind", "note", "--text", "later", "--no-seal", cwd=self.dir)
        proc = self.verify()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("INVALID: not covered", proc.stdout)
        self.assertIn("sealed 1 entry", run("seal", cwd=self.dir).stdout)
        self.assertEqual(self.verify().returncode, 0)
        self.assertIn("nothing to seal", run("seal", cwd=self.dir).stdout)

    def test_truncated_tail_or_reset_chain_is_caught(self):
        # Drop the newest digest and the entry and object only it covered: the chain that is left
        # verifies by itself, but not against the last seal the key store recorded.
        entry = self.entries()[2]
        newest = sorted(self.vault.rglob("*.json.gz"))[-1]
        for path in (newest, pathlib.Path(str(newest) + ".sig"),
                     self.vault / entry["object"], self.vault / "manifest/00000000000000000003.json"):
            os.remove(path)
        proc = self.verify()
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("the vault was truncated or its chain reset", proc.stdout)
        proc = run("seal", "--even-if-empty", cwd=self.dir, check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("refusing to seal", proc.stderr)
        # Wiping every digest (a reset) is caught the same way.
        shutil.rmtree(self.vault / "AWSLogs")
        proc = self.verify()
        self.assertEqual(proc.returncode, 1)
        self.assertIn("the vault was truncated or its chain reset", proc.stdout)

    def test_periodic_seal_keeps_the_chain_live(self):
        proc = subprocess.Popen([FIREBREAK, "evidence", "seal", "--every", "1s"], cwd=self.dir,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = [proc.stdout.readline(), proc.stdout.readline()]
        proc.send_signal(__import__("signal").SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertTrue(all(" sealed 0 entries in AWSLogs/" in line for line in lines), lines)
        proc = self.verify()
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertRegex(proc.stdout, r"[5-9]/[5-9] digest files valid")

    def test_rotation_keeps_old_digests_valid(self):
        out = run("keys", "rotate", cwd=self.dir).stdout
        self.assertIn("retired ", out)
        run("add", "CASE-7", "--kind", "note", "--text", "after rotation", cwd=self.dir)
        published = json.loads(run("keys", "publish", cwd=self.dir).stdout)["PublicKeyList"]
        self.assertEqual(len(published), 2)
        self.assertIsNotNone(published[0]["ValidityEndTime"])
        self.assertIsNone(published[1]["ValidityEndTime"])
        proc = self.verify()
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_bad_input_is_refused_with_a_reason(self):
        proc = run("add", "CASE 1", "--kind", "note", "--text", "x", cwd=self.dir, check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn('case id "CASE 1"', proc.stderr)
        proc = run("add", "CASE-1", "--kind", "photo", "--text", "x", cwd=self.dir, check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("expected one of log-file", proc.stderr)
        proc = run("verify", "--vault", "nowhere", cwd=self.dir, check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no evidence vault at nowhere", proc.stderr)


class S3VaultTest(unittest.TestCase):
    """The vault in an Object Lock bucket of the sandbox, through the same commands."""

    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox()

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()

    def test_s3_vault_with_object_lock(self):
        sb = self.sandbox
        sb.aws("s3api", "create-bucket", "--bucket", "evidence-vault-worm",
               "--object-lock-enabled-for-bucket")
        work = tempfile.mkdtemp(prefix="fb-s3-vault-")
        flags = ["--vault", "s3://evidence-vault-worm/firebreak", "--endpoint-url", sb.url]
        env = sb.env()
        run("keys", "rotate", cwd=work, env=env)
        out = run("add", "CASE-9", "--kind", "note", "--text", "root login from 198.51.100.23",
                  *flags, cwd=work, env=env).stdout
        self.assertIn("sealed in digest firebreak/AWSLogs/", out)
        entry = json.loads(run("list", "--json", *flags, cwd=work, env=env).stdout)[0]
        # S3 holds the lock: the version cannot be deleted, not even with the governance bypass.
        _, head = sb.aws("s3api", "head-object", "--bucket", "evidence-vault-worm",
                         "--key", entry["object"])
        self.assertEqual(head["ObjectLockMode"], "COMPLIANCE")
        code, err = sb.aws("s3api", "delete-object", "--bucket", "evidence-vault-worm",
                           "--key", entry["object"], "--version-id", head["VersionId"],
                           "--bypass-governance-retention", check=False)
        self.assertNotEqual(code, 0)
        self.assertIn("AccessDenied", err)
        proc = run("verify", *flags, cwd=work, env=env, check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("2/2 objects valid", proc.stdout)  # with vault.json
        # A new version over the object is allowed by S3; verify names it.
        body = pathlib.Path(work, "forged.txt")
        body.write_text("root login from nowhere")
        sb.aws("s3api", "put-object", "--bucket", "evidence-vault-worm", "--key", entry["object"],
               "--body", str(body))
        proc = run("verify", *flags, cwd=work, env=env, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(entry["object"] + "\tINVALID: hash mismatch", proc.stdout)
        shutil.rmtree(work)


if __name__ == "__main__":
    unittest.main()
