"""Starts `firebreak serve` for tests: a config file, a token, a port file, and a small REST
client (urllib) for the API. Used by tests/sandbox/test_serve*.py."""
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.request

from sandbox_fixture import ALICE, FIREBREAK

TOKEN = "test-token-0123456789abcdef"


class Serve:
    def __init__(self, tmp, config_text, box=None, env_extra=None, name="serve"):
        """`config_text`: the YAML without the serve: section's token/listen/state (added here)."""
        self.tmp = tmp
        self.state = os.path.join(tmp, name + "-state")
        self.config = os.path.join(tmp, name + ".yaml")
        self.port_file = os.path.join(tmp, name + ".port")
        self.log_path = os.path.join(tmp, name + ".log")
        self.box = box
        self.env_extra = env_extra or {}
        with open(self.config, "w") as f:
            f.write(config_text)
        self.proc = None
        self.log = None

    def start(self, env_extra=None, wait=True):
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        env = self.box.env(ALICE) if self.box else {k: v for k, v in os.environ.items()}
        env["FIREBREAK_TOKEN"] = TOKEN
        env.update(self.env_extra)
        env.update(env_extra or {})
        args = [FIREBREAK, "serve", "--config", self.config, "--listen", "127.0.0.1:0",
                "--state", self.state, "--token-env", "FIREBREAK_TOKEN",
                "--port-file", self.port_file]
        if self.box:
            args += ["--endpoint-url", self.box.url]
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_listening()
        return self

    def wait_listening(self, timeout=30):
        deadline = time.time() + timeout
        while not (os.path.exists(self.port_file) and pathlib.Path(self.port_file).read_text().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"serve did not start (exit {self.proc.poll()}):\n" + self.log_text())
            time.sleep(0.05)
        self.port = int(pathlib.Path(self.port_file).read_text())
        self.url = f"http://127.0.0.1:{self.port}"

    def log_text(self):
        return pathlib.Path(self.log_path).read_text() if os.path.exists(self.log_path) else ""

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
        if self.log:
            self.log.close()
            self.log = None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()
        self.log = None

    def request(self, method, path, body=None, token=TOKEN, headers=None, timeout=30):
        """Returns (status, parsed JSON or text, headers)."""
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw, hdrs = resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as e:
            status, raw, hdrs = e.code, e.read(), dict(e.headers)
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text), hdrs
        except json.JSONDecodeError:
            return status, text, hdrs

    def api(self, method, path, body=None, expect=200):
        status, out, _ = self.request(method, path, body)
        if status != expect:
            raise AssertionError(f"{method} {path}: HTTP {status}, not {expect}: {out}")
        return out

    def wait_for(self, predicate, timeout=30, what="condition"):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; serve log:\n{self.log_text()[-4000:]}")

    def findings(self, query=""):
        return self.api("GET", "/v1/findings" + query)["findings"]
