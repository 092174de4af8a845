#!/usr/bin/env python3
"""Self-test of wopi_host.py: starts it on a free port and exercises every WOPI call and every
fault over real HTTP (stdlib urllib). Exit status 0 when all checks pass.

    python3 tests/wopi-host/selftest.py
"""

import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import proof

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
TOKEN = "user=alice;name=Alice"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Host:
    def __init__(self, root, *extra):
        self.root = root
        self.state_file = os.path.join(root, ".state.json")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "wopi_host.py"), "--root", root, "--port", "0",
             "--state-file", self.state_file, *extra],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        assert line and line[0] == "LISTENING", line
        self.port = int(line[1])

    def stop(self):
        self.process.kill()
        self.process.wait()

    def call(self, method, path, headers=None, body=None, timeout=30):
        """(status, headers, body bytes) without following redirects or raising on 4xx/5xx."""
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                         data=body, method=method, headers=headers or {})
        try:
            with OPENER.open(request, timeout=timeout) as reply:
                return reply.status, reply.headers, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def wopi(self, method, name, contents=False, token=TOKEN, headers=None, body=None, timeout=30):
        path = "/wopi/files/%s%s?access_token=%s" % (
            urllib.parse.quote(name, safe=""), "/contents" if contents else "",
            urllib.parse.quote(token, safe=""))
        if method == "POST" and body is None:
            body = b""
        return self.call(method, path, headers, body, timeout)

    def faults(self, spec):
        status, _, body = self.call("POST", "/_control/faults", {"Content-Type": "application/json"},
                                    json.dumps(spec).encode())
        assert status == 200, body

    def info(self, name, token=TOKEN):
        status, _, body = self.wopi("GET", name, token=token)
        assert status == 200, (status, body)
        return json.loads(body)

    def read(self, name):
        with open(os.path.join(self.root, name), "rb") as handle:
            return handle.read()


def expect(actual, wanted, what):
    if actual != wanted:
        raise AssertionError("%s: wanted %r, got %r" % (what, wanted, actual))
    print("ok   %s" % what)


def lock_call(host, name, override, lock, **extra):
    headers = {"X-WOPI-Override": override, "X-WOPI-Lock": lock}
    headers.update(extra)
    return host.wopi("POST", name, headers=headers)


def check_wopi_calls(host):
    info = host.info("simple.docx")
    expect((info["BaseFileName"], info["Size"], info["UserId"], info["UserFriendlyName"]),
           ("simple.docx", len(host.read("simple.docx")), "alice", "Alice"), "CheckFileInfo fields")
    expect((info["UserCanWrite"], info["SupportsLocks"]), (True, True), "CheckFileInfo rights")
    expect(host.info("simple.docx", token="write=0")["UserCanWrite"], False, "read-only token")
    status, _, body = host.wopi("GET", "simple.docx", contents=True)
    expect((status, body), (200, host.read("simple.docx")), "GetFile bytes")
    expect(host.wopi("GET", "../../etc/passwd")[0], 404, "path traversal refused")
    expect(host.wopi("GET", ".state.json")[0], 404, "hidden file refused")

    put = {"X-WOPI-Override": "PUT"}
    expect(host.wopi("POST", "simple.docx", True, headers=put, body=b"v1")[0], 409,
           "PutFile on an unlocked non-empty file needs a lock")
    expect(lock_call(host, "simple.docx", "LOCK", "L1")[0], 200, "Lock")
    status, headers, _ = lock_call(host, "simple.docx", "LOCK", "L2")
    expect((status, headers["X-WOPI-Lock"]), (409, "L1"), "Lock conflict names the holder")
    status, headers, _ = host.wopi("POST", "simple.docx", True, headers=dict(put, **{"X-WOPI-Lock": "L2"}), body=b"v1")
    expect((status, headers["X-WOPI-Lock"]), (409, "L1"), "PutFile with the wrong lock")
    status, _, body = host.wopi("POST", "simple.docx", True, headers=dict(put, **{"X-WOPI-Lock": "L1"}), body=b"v1")
    expect((status, host.read("simple.docx")), (200, b"v1"), "PutFile with the lock")
    expect("LastModifiedTime" in json.loads(body), True, "PutFile answers LastModifiedTime")
    expect(host.wopi("POST", "simple.docx", True, token="write=0", headers=put, body=b"x")[0], 401,
           "PutFile with a read-only token")
    expect(lock_call(host, "simple.docx", "REFRESH_LOCK", "L1")[0], 200, "RefreshLock")
    expect(lock_call(host, "simple.docx", "GET_LOCK", "")[1]["X-WOPI-Lock"], "L1", "GetLock")
    expect(lock_call(host, "simple.docx", "LOCK", "L3", **{"X-WOPI-OldLock": "L1"})[0], 200, "UnlockAndRelock")
    expect(lock_call(host, "simple.docx", "UNLOCK", "L1")[0], 409, "Unlock with the old lock")
    with open(host.state_file) as handle:
        expect(json.load(handle)["locks"]["simple.docx"][0], "L3", "locks in the state file")
    expect(lock_call(host, "simple.docx", "UNLOCK", "L3")[0], 200, "Unlock")

    # Conflict: the file changes behind the server's back.
    lock_call(host, "simple.xlsx", "LOCK", "X")
    seen = host.info("simple.xlsx")["LastModifiedTime"]
    status, _, body = host.call("POST", "/_control/touch?file=simple.xlsx", body=b"changed elsewhere")
    expect(status, 200, "touch")
    stamped = dict(put, **{"X-WOPI-Lock": "X", "X-COOL-WOPI-Timestamp": seen})
    status, _, body = host.wopi("POST", "simple.xlsx", True, headers=stamped, body=b"ours")
    expect((status, json.loads(body)), (409, {"COOLStatusCode": 1010}), "PutFile conflict 1010")
    expect(host.read("simple.xlsx"), b"changed elsewhere", "conflict leaves the file alone")
    stamped["X-COOL-WOPI-Timestamp"] = host.info("simple.xlsx")["LastModifiedTime"]
    status, _, _ = host.wopi("POST", "simple.xlsx", True, headers=stamped, body=b"ours")
    expect((status, host.read("simple.xlsx")), (200, b"ours"), "PutFile with the current timestamp")

    relative = {"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-SuggestedTarget": ".pdf"}
    status, _, body = host.wopi("POST", "simple.odt", headers=relative, body=b"%PDF")
    expect((status, json.loads(body)["Name"]), (200, "simple.pdf"), "PutRelativeFile suggested")
    status, _, body = host.wopi("POST", "simple.odt", headers=relative, body=b"%PDF")
    expect(json.loads(body)["Name"], "simple (1).pdf", "PutRelativeFile picks a free name")
    url = urllib.parse.urlsplit(json.loads(body)["Url"])
    expect(host.call("GET", url.path + "?" + url.query)[0], 200, "PutRelativeFile Url works")
    exact = {"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-RelativeTarget": "simple.pdf"}
    status, headers, _ = host.wopi("POST", "simple.odt", headers=exact, body=b"x")
    expect((status, headers["X-WOPI-ValidRelativeTarget"]), (409, "simple (2).pdf"),
           "PutRelativeFile exact target exists")
    expect(host.wopi("GET", "simple.docx", token="")[0], 401, "missing token")


def check_faults(host):
    host.faults({"CheckFileInfo": {"status": 500, "times": 2}})
    codes = [host.wopi("GET", "simple.odt")[0] for _ in range(3)]
    expect(codes, [500, 500, 200], "500 twice, then healthy")

    host.faults({"GetFile": {"delay_secs": 60}})
    try:
        host.wopi("GET", "simple.odt", contents=True, timeout=1)
        timed_out = False
    except (socket.timeout, TimeoutError, urllib.error.URLError):
        timed_out = True
    expect(timed_out, True, "GetFile delay makes the client time out")
    host.call("DELETE", "/_control/faults")

    lock_call(host, "simple.odt", "LOCK", "R")
    before = host.read("simple.odt")
    host.faults({"PutFile": {"reset": True}})
    connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=30)
    body = b"y" * (4 << 20)
    try:
        connection.request("POST", "/wopi/files/simple.odt/contents?access_token=t", body=body,
                           headers={"X-WOPI-Override": "PUT", "X-WOPI-Lock": "R"})
        connection.getresponse()
        reset = False
    except (ConnectionError, http.client.HTTPException):
        reset = True
    expect(reset, True, "PutFile reset mid-upload")
    expect(host.read("simple.odt"), before, "reset upload stores nothing")
    status, _, log = host.call("GET", "/_control/log")
    last = json.loads(log)[-1]
    expect((last["operation"], last["status"], 0 < last["body_size"] < len(body)),
           ("PutFile", None, True), "log records the partial upload")

    host.faults({"CheckFileInfo": {"body": "garbage"}})
    status, _, body = host.wopi("GET", "simple.odt")
    expect((status, body), (200, b"garbage"), "garbage CheckFileInfo")
    host.faults({"CheckFileInfo": {"body_bytes": 5000000, "times": 1}})
    status, _, body = host.wopi("GET", "simple.odt")
    expect((len(body) > 5000000, json.loads(body)["BaseFileName"]), (True, "simple.odt"),
           "oversized CheckFileInfo JSON")
    host.faults({"CheckFileInfo": {"merge": {"UserCanWrite": False, "Size": 3}}})
    info = host.info("simple.odt")
    expect((info["UserCanWrite"], info["Size"]), (False, 3), "merged CheckFileInfo fields")
    host.faults({"CheckFileInfo": None, "GetFile": {"extra_bytes": 1000}})
    status, _, body = host.wopi("GET", "simple.odt", contents=True)
    expect(len(body), len(before) + 1000, "GetFile bigger than Size")
    host.faults({"GetFile": None, "any": {"redirect_loop": True}})
    status, headers, _ = host.wopi("GET", "simple.odt")
    expect((status, urllib.parse.urlsplit(headers["Location"]).path), (302, "/wopi/files/simple.odt"),
           "redirect loop to itself")
    host.faults({"any": {"status": 401}})
    expect(host.wopi("GET", "simple.odt", contents=True)[0], 401, "any: 401")
    host.call("DELETE", "/_control/faults")
    expect(host.wopi("GET", "simple.odt")[0], 200, "faults cleared")
    expect(host.call("POST", "/_control/faults", body=b'{"Nope": {}}')[0], 400, "unknown operation refused")

    host.call("DELETE", "/_control/log")
    host.wopi("POST", "simple.odt", True, headers={"X-WOPI-Override": "PUT", "X-WOPI-Lock": "R",
              "X-COOL-WOPI-IsAutosave": "true", "X-WOPI-Proof": "abc"}, body=b"12345")
    entry = json.loads(host.call("GET", "/_control/log")[2])[0]
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    expect((entry["operation"], entry["status"], entry["body_size"]), ("PutFile", 200, 5), "log entry")
    expect((headers["x-wopi-lock"], headers["x-cool-wopi-isautosave"], headers["x-wopi-proof-present"],
            headers["x-wopi-proofold-present"]), ("R", "true", True, False), "log headers")


def check_token_mode(root):
    host = Host(root, "--token", "good", "--read-only-token", "viewer", "--expired-token", "old")
    try:
        expect(host.wopi("GET", "simple.docx", token="good")[0], 200, "configured token")
        expect(host.info("simple.docx", token="viewer")["UserCanWrite"], False, "configured read-only token")
        expect(host.wopi("GET", "simple.docx", token="other")[0], 401, "unknown token")
        expect(host.wopi("GET", "simple.docx", token="old")[0], 401, "expired token")
    finally:
        host.stop()


def openssl_sign(key_file, message):
    signed = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_file], input=message,
                            capture_output=True, check=True)
    return base64.b64encode(signed.stdout).decode()


def check_proofs(root):
    """Proof keys: a key made with openssl, published in a discovery file, signs requests."""
    if not shutil.which("openssl"):
        print("skip proof-key checks: no openssl")
        return
    keys = tempfile.mkdtemp(prefix="wopi-proof-")
    key_file = os.path.join(keys, "key.pem")
    subprocess.run(["openssl", "genrsa", "-out", key_file, "2048"], capture_output=True, check=True)
    modulus_hex = subprocess.run(["openssl", "rsa", "-in", key_file, "-noout", "-modulus"],
                                 capture_output=True, check=True, text=True).stdout.split("=")[1]
    modulus = base64.b64encode(bytes.fromhex(modulus_hex.strip())).decode()
    exponent = base64.b64encode((65537).to_bytes(3, "big")).decode()
    discovery = os.path.join(keys, "discovery.xml")
    with open(discovery, "w") as handle:
        handle.write('<wopi-discovery><proof-key value="x" modulus="%s" exponent="%s"/>'
                     "</wopi-discovery>" % (modulus, exponent))
    host = Host(root, "--proof-discovery", discovery, "--require-proof")
    try:
        path = "/wopi/files/simple.docx?access_token=" + urllib.parse.quote(TOKEN, safe="")
        url = "http://127.0.0.1:%d%s" % (host.port, path)
        ticks = time.time_ns() // 100 + proof.TICKS_AT_UNIX_EPOCH
        signature = openssl_sign(key_file, proof.signed_bytes(TOKEN, url, ticks))
        headers = {"X-WOPI-Proof": signature, "X-WOPI-ProofOld": signature, "X-WOPI-TimeStamp": str(ticks)}
        expect(host.call("GET", path, headers)[0], 200, "request with a valid proof")
        entry = json.loads(host.call("GET", "/_control/log")[2])[-1]
        expect((entry["proof"]["valid"], entry["proof"]["proof_current_key"]), (True, True), "proof logged valid")
        headers["X-WOPI-TimeStamp"] = str(ticks + 1)
        expect(host.call("GET", path, headers)[0], 500, "proof over other bytes refused")
        stale = ticks - 30 * 60 * 10_000_000
        headers.update({"X-WOPI-TimeStamp": str(stale), "X-WOPI-Proof": openssl_sign(
            key_file, proof.signed_bytes(TOKEN, url, stale))})
        expect(host.call("GET", path, headers)[0], 500, "stale proof refused")
        expect(host.call("GET", path)[0], 500, "request without proof refused")
    finally:
        host.stop()
        shutil.rmtree(keys)


def main():
    root = tempfile.mkdtemp(prefix="wopi-host-selftest-")
    try:
        for name in ("simple.docx", "simple.xlsx", "simple.odt"):
            shutil.copy(os.path.join(FIXTURES, name), root)
        host = Host(root)
        try:
            check_wopi_calls(host)
            check_faults(host)
        finally:
            host.stop()
        check_token_mode(root)
        check_proofs(root)
        leftovers = [n for n in os.listdir(root) if n.startswith(".upload-")]
        expect(leftovers, [], "no temporary files left")
    finally:
        shutil.rmtree(root)
    print("wopi-host selftest: all checks passed")


if __name__ == "__main__":
    main()
