#!/usr/bin/env python3
"""An independent WOPI host for oxool's end-to-end tests, with fault injection.

Written from the WOPI specification, not from oxool's code, so that it can disagree with oxool.
`wopi_host.py --root DIR --port 0` prints "LISTENING <port>" when ready; see README.md.
"""

import argparse
import datetime
import hashlib
import json
import os
import socket
import struct
import sys
import tempfile
import threading
import time
import urllib.parse

import proof
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK_LIFETIME_SECS = 30 * 60
MAX_LOCK_LEN = 1024
# Request headers copied into the request log (lower case); X-COOL-/X-LOOL-WOPI-* are always
# copied, proof headers are recorded as present or absent.
LOGGED_HEADERS = (
    "x-wopi-override", "x-wopi-lock", "x-wopi-oldlock", "x-wopi-timestamp", "x-wopi-size",
    "x-wopi-suggestedtarget", "x-wopi-relativetarget", "x-wopi-overwriterelativetarget",
    "x-wopi-requestedname", "user-agent", "content-type", "content-length", "transfer-encoding",
)
PROOF_HEADERS = ("x-wopi-proof", "x-wopi-proofold")
FAULT_KEYS = {"status", "times", "delay_secs", "reset", "body", "body_bytes", "extra_bytes",
              "redirect_loop", "headers", "merge"}
OPERATIONS = {"CheckFileInfo", "GetFile", "PutFile", "Lock", "Unlock", "RefreshLock",
              "UnlockAndRelock", "GetLock", "PutRelativeFile", "any"}


def iso8601(mtime_ns):
    """LastModifiedTime: ISO 8601, UTC, microseconds."""
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (nanos // 1000)


def parse_iso8601_micros(text):
    """Microseconds since the epoch, or None when `text` is not an ISO 8601 UTC time."""
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def utf7_decode(text):
    return text.encode("ascii").decode("utf-7")


def utf7_encode(text):
    return text.encode("utf-7").decode("ascii")


def valid_name(name):
    return (bool(name) and len(name.encode()) <= 255 and not name.startswith(".")
            and "/" not in name and "\\" not in name and not any(ord(c) < 32 for c in name))


class HostState:
    """Everything the host remembers: locks, faults, the request log. One lock guards it all."""

    def __init__(self, args):
        self.root = os.path.realpath(args.root)
        self.state_file = args.state_file
        self.tokens = {t: True for t in args.token} | {t: False for t in args.read_only_token}
        self.expired = set(args.expired_token)
        self.max_put_bytes = args.max_put_bytes
        self.strict_locks = not args.lenient_locks
        self.proof_source, self.require_proof, self.proof_keys = args.proof_discovery, args.require_proof, None
        self.guard = threading.RLock()
        self.locks = {}    # name -> [lock, expiry (monotonic-free wall time)]
        self.faults = {}   # operation -> fault dict
        self.log = []
        self.sequence = 0
        self.port = None
        self.load_state()

    # --- persistence: locks and faults survive a restart of the host; the log does not.
    def load_state(self):
        if not self.state_file or not os.path.exists(self.state_file):
            return
        try:
            with open(self.state_file) as handle:
                saved = json.load(handle)
            self.locks = {k: list(v) for k, v in saved.get("locks", {}).items()}
            self.faults = saved.get("faults", {})
        except (OSError, ValueError):
            pass

    def save_state(self):
        if not self.state_file:
            return
        with self.guard:
            data = {"pid": os.getpid(), "port": self.port, "root": self.root,
                    "locks": self.locks, "faults": self.faults}
        directory = os.path.dirname(os.path.abspath(self.state_file))
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".wopi-state-")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1)
        os.replace(temp, self.state_file)

    # --- faults
    def set_faults(self, update):
        for operation, fault in update.items():
            if operation not in OPERATIONS:
                raise ValueError("unknown operation %r" % operation)
            if fault is not None and (not isinstance(fault, dict) or set(fault) - FAULT_KEYS):
                raise ValueError("bad fault for %s: %r" % (operation, fault))
        with self.guard:
            for operation, fault in update.items():
                if fault is None:
                    self.faults.pop(operation, None)
                else:
                    self.faults[operation] = dict(fault)
        self.save_state()

    def take_fault(self, operation):
        """The fault to apply to this request (counting down `times`), or None."""
        with self.guard:
            for key in (operation, "any"):
                fault = self.faults.get(key)
                if fault is None:
                    continue
                if "times" in fault:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        del self.faults[key]
                return dict(fault, applied_to=key)
        return None

    # --- locks
    def current_lock(self, name):
        with self.guard:
            held = self.locks.get(name)
            if held and held[1] <= time.time():
                del self.locks[name]
                held = None
            return held[0] if held else ""

    def set_lock(self, name, value):
        with self.guard:
            if value:
                self.locks[name] = [value, time.time() + LOCK_LIFETIME_SECS]
            else:
                self.locks.pop(name, None)
        self.save_state()

    def check_proof(self, token, url, headers):
        """The proof check for the log (None without --proof-discovery). Keys are re-read once
        when a proof fails, so a rotation in wsd is picked up."""
        if not self.proof_source:
            return None
        for reload in (False, True):
            try:
                if reload or self.proof_keys is None:
                    self.proof_keys = proof.load_keys(self.proof_source)
            except (OSError, ValueError) as error:
                return {"valid": False, "reason": "discovery: %s" % error}
            result = proof.check(self.proof_keys, token, url, headers)
            if result["valid"] or reload:
                return result

    def record(self, entry):
        with self.guard:
            self.sequence += 1
            entry["seq"] = self.sequence
            self.log.append(entry)


class Answer(Exception):
    """Raised to answer a request early: status, JSON or text body, extra headers."""

    def __init__(self, status, body=b"", headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class WopiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "independent-wopi-host/1"
    state = None  # set on the class by main()

    def log_message(self, *args):
        pass  # the request log is /_control/log; stderr stays quiet

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the connection was reset on purpose (the "reset" fault)

    # --- plumbing
    def do_GET(self):
        self.dispatch(self.command)

    do_POST = do_DELETE = do_GET

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query)
        self.body_read = False
        self.body_size = 0
        if url.path.startswith("/_control/"):
            return self.run(lambda: self.control(method, url.path[len("/_control/"):]))
        parts = url.path.split("/")
        if len(parts) in (4, 5) and parts[:3] == ["", "wopi", "files"] and \
                (len(parts) == 4 or parts[4] == "contents"):
            name = urllib.parse.unquote(parts[3])
            contents = len(parts) == 5
            return self.run(lambda: self.wopi(method, name, contents), wopi=True)
        self.run(lambda: self.fail(404, "unknown path"))

    def run(self, handler, wopi=False):
        self.entry = {"time": time.time(), "method": self.command, "path": urllib.parse.urlsplit(self.path).path,
                      "operation": None, "fault": None, "headers": self.logged_headers(),
                      "access_token": self.token()} if wopi else None
        try:
            status, body, headers = handler()
        except Answer as answer:
            status, body, headers = answer.status, answer.body, answer.headers
        if status is None:
            return  # the connection is gone (reset fault)
        if not self.body_read:
            self.read_body(limit=self.state.max_put_bytes, discard=True)
        if self.entry is not None:
            self.entry.update(status=status, body_size=self.body_size)
            self.state.record(self.entry)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def logged_headers(self):
        logged = {}
        for key, value in self.headers.items():
            lower = key.lower()
            if lower in LOGGED_HEADERS or lower.startswith(("x-cool-wopi-", "x-lool-wopi-")):
                logged[key] = value
        for key in PROOF_HEADERS:
            logged[key + "-present"] = key in {k.lower() for k in self.headers.keys()}
        logged["authorization-present"] = "Authorization" in self.headers
        return logged

    def token(self):
        values = self.query.get("access_token")
        if values:
            return values[0]
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else ""

    def fail(self, status, reason, headers=None):
        raise Answer(status, reason + "\n", headers)

    def read_body(self, limit, discard=False, stop_after=None):
        """The request body (Content-Length or chunked); None past `limit` (then 413)."""
        self.body_read = True
        chunks, total = [], 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data = self.rfile.read(size)
                self.rfile.readline()
                total += len(data)
                if not discard and total <= limit:
                    chunks.append(data)
        else:
            remaining = int(self.headers.get("Content-Length") or 0)
            if stop_after is not None:
                remaining = min(remaining, stop_after)
            while remaining > 0:
                data = self.rfile.read(min(remaining, 1 << 16))
                if not data:
                    break
                remaining -= len(data)
                total += len(data)
                if not discard and total <= limit:
                    chunks.append(data)
        self.body_size = total
        return None if total > limit else b"".join(chunks)

    # --- control API
    def control(self, method, what):
        state = self.state
        if what == "faults" and method == "POST":
            try:
                state.set_faults(json.loads(self.read_body(1 << 20) or b"{}"))
            except ValueError as error:
                self.fail(400, str(error))
            return 200, state.faults, {}
        if what == "faults" and method == "GET":
            return 200, state.faults, {}
        if what == "faults" and method == "DELETE":
            state.set_faults({key: None for key in list(state.faults)})
            return 200, {}, {}
        if what == "log" and method == "GET":
            with state.guard:
                return 200, list(state.log), {}
        if what == "log" and method == "DELETE":
            with state.guard:
                state.log.clear()
            return 200, [], {}
        if what == "locks" and method == "GET":
            with state.guard:
                names = list(state.locks)
            return 200, {name: state.current_lock(name) for name in names}, {}
        if what == "touch" and method == "POST":
            return self.touch()
        self.fail(404, "unknown control call")

    def touch(self):
        """Changes a file behind the server's back: new content (the request body, if any) and
        a modification time strictly later than before."""
        name = (self.query.get("file") or [""])[0]
        path = self.path_of(name)
        body = self.read_body(1 << 30)
        before = os.stat(path).st_mtime_ns
        if body:
            with open(path, "wb") as handle:
                handle.write(body)
        later = max(time.time_ns(), before + 1_000_000)
        os.utime(path, ns=(later, later))
        return 200, {"LastModifiedTime": iso8601(os.stat(path).st_mtime_ns)}, {}

    # --- WOPI
    def path_of(self, name):
        if not valid_name(name):
            self.fail(404, "no such file")
        path = os.path.join(self.state.root, name)
        if os.path.islink(path) or not os.path.isfile(path):
            self.fail(404, "no such file")
        return path

    def authorize(self):
        """(user id, friendly name, can write) for the request's token, or a 401."""
        token = self.token()
        if not token or token in self.state.expired:
            self.fail(401, "invalid or expired access token")
        if self.state.tokens:
            if token not in self.state.tokens:
                self.fail(401, "invalid access token")
            can_write = self.state.tokens[token]
            fields = {}
        else:
            # Permissive mode: any token; "user=..;name=..;write=0" fields shape the session.
            fields = dict(part.split("=", 1) for part in token.split(";") if "=" in part)
            can_write = fields.get("write", "1") not in ("0", "false")
        user = fields.get("user") or "user-" + hashlib.sha256(token.encode()).hexdigest()[:8]
        return user, fields.get("name", user), can_write

    def wopi(self, method, name, contents):
        override = self.headers.get("X-WOPI-Override", "").upper()
        if method == "GET":
            operation = "GetFile" if contents else "CheckFileInfo"
        elif contents:
            operation = "PutFile"
        else:
            operation = {"LOCK": "UnlockAndRelock" if "X-WOPI-OldLock" in self.headers else "Lock",
                         "UNLOCK": "Unlock", "REFRESH_LOCK": "RefreshLock", "GET_LOCK": "GetLock",
                         "PUT_RELATIVE": "PutRelativeFile"}.get(override)
        self.entry.update(operation=operation, file=name)
        url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
        self.entry["proof"] = self.state.check_proof(self.token(), url, self.headers)
        if self.state.require_proof and not self.entry["proof"]["valid"]:
            self.fail(500, "proof keys do not verify")
        fault = self.state.take_fault(operation or "any")
        if fault:
            self.entry["fault"] = {k: v for k, v in fault.items() if k != "merge"}
            early = self.apply_fault_before(fault)
            if early is not None:
                return early
        if operation is None:
            self.fail(501 if method == "POST" else 405, "unsupported operation")
        user, friendly, can_write = self.authorize()
        path = self.path_of(name)
        if operation in ("Lock", "UnlockAndRelock", "RefreshLock", "Unlock"):
            status, body, headers = self.lock_family(name, can_write, operation)
        else:
            handler = getattr(self, "op_" + operation)
            status, body, headers = handler(name, path, user, friendly, can_write)
        if fault:
            body = self.apply_fault_after(fault, operation, body, headers)
        return status, body, headers

    def apply_fault_before(self, fault):
        if fault.get("delay_secs"):
            time.sleep(float(fault["delay_secs"]))
        if fault.get("reset"):
            # Read part of the upload, then reset the connection (RST, not a clean FIN).
            length = int(self.headers.get("Content-Length") or 0)
            self.read_body(1 << 30, discard=True, stop_after=min(length // 2, 1 << 16))
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.entry.update(status=None, body_size=self.body_size)
            self.state.record(self.entry)
            self.close_connection = True
            self.connection.close()
            return None, None, None
        if fault.get("redirect_loop"):
            return 302, b"", {"Location": self.path}
        if "status" in fault:
            return int(fault["status"]), fault.get("body", "injected fault\n"), dict(fault.get("headers", {}))
        return None

    def apply_fault_after(self, fault, operation, body, headers):
        headers.update(fault.get("headers", {}))
        if isinstance(body, dict) and "merge" in fault:
            body.update(fault["merge"])
        if "body" in fault:
            return fault["body"]
        if "body_bytes" in fault:
            size = int(fault["body_bytes"])
            if isinstance(body, dict):
                return dict(body, Padding="x" * size)
            return b"x" * size
        if "extra_bytes" in fault and isinstance(body, bytes):
            return body + b"\0" * int(fault["extra_bytes"])
        return body

    def op_CheckFileInfo(self, name, path, user, friendly, can_write):
        info = os.stat(path)
        return 200, {
            "BaseFileName": name, "Size": info.st_size, "OwnerId": "wopi-host-owner",
            "UserId": user, "UserFriendlyName": friendly, "UserCanWrite": can_write,
            "UserCanNotWriteRelative": not can_write, "SupportsLocks": True,
            "SupportsGetLock": True, "SupportsUpdate": True, "SupportsRename": False,
            "LastModifiedTime": iso8601(info.st_mtime_ns),
            "Version": "%x-%x" % (info.st_mtime_ns, info.st_size),
        }, {}

    def op_GetFile(self, name, path, user, friendly, can_write):
        with open(path, "rb") as handle:
            data = handle.read()
        info = os.stat(path)
        return 200, data, {"Content-Type": "application/octet-stream",
                           "X-WOPI-ItemVersion": "%x-%x" % (info.st_mtime_ns, info.st_size)}

    def require_write(self, can_write):
        if not can_write:
            self.fail(401, "read-only access token")

    def lock_header(self):
        value = self.headers.get("X-WOPI-Lock", "")
        if not value or len(value) > MAX_LOCK_LEN:
            self.fail(400, "X-WOPI-Lock missing or too long")
        return value

    def conflict(self, name, reason):
        self.fail(409, reason, {"X-WOPI-Lock": self.state.current_lock(name),
                                "X-WOPI-LockFailureReason": reason})

    def lock_family(self, name, can_write, operation):
        """Lock (same value again: refresh), UnlockAndRelock, RefreshLock, Unlock."""
        self.require_write(can_write)
        wanted = self.lock_header()
        with self.state.guard:
            current = self.state.current_lock(name)
            if operation == "Lock" and current and current != wanted:
                self.conflict(name, "locked by another client")
            old = self.headers.get("X-WOPI-OldLock", "")
            if operation == "UnlockAndRelock" and (not old or current != old):
                self.conflict(name, "old lock mismatch")
            if operation in ("RefreshLock", "Unlock") and current != wanted:
                self.conflict(name, "lock mismatch")
            self.state.set_lock(name, "" if operation == "Unlock" else wanted)
        return 200, b"", {}

    def op_GetLock(self, name, path, user, friendly, can_write):
        return 200, b"", {"X-WOPI-Lock": self.state.current_lock(name)}

    def op_PutFile(self, name, path, user, friendly, can_write):
        self.require_write(can_write)
        lock = self.headers.get("X-WOPI-Lock", "")
        current = self.state.current_lock(name)
        if current and current != lock:
            self.conflict(name, "locked by another client")
        if not current and self.state.strict_locks and os.path.getsize(path) > 0:
            # The WOPI rule: an unlocked, non-empty file is not written without a lock.
            self.conflict(name, "file not locked")
        data = self.read_body(self.state.max_put_bytes)
        if data is None:
            self.fail(413, "too large")
        with self.state.guard:
            seen = self.headers.get("X-COOL-WOPI-Timestamp") or self.headers.get("X-LOOL-WOPI-Timestamp")
            if seen:
                expected = parse_iso8601_micros(seen)
                if expected is None:
                    self.fail(400, "bad X-COOL-WOPI-Timestamp")
                if expected != os.stat(path).st_mtime_ns // 1000:
                    raise Answer(409, {"COOLStatusCode": 1010})
            self.write_atomically(path, data)
        info = os.stat(path)
        return 200, {"LastModifiedTime": iso8601(info.st_mtime_ns)}, {
            "X-WOPI-ItemVersion": "%x-%x" % (info.st_mtime_ns, info.st_size)}

    def write_atomically(self, path, data):
        fd, temp = tempfile.mkstemp(dir=self.state.root, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)

    def op_PutRelativeFile(self, name, path, user, friendly, can_write):
        self.require_write(can_write)
        suggested = self.headers.get("X-WOPI-SuggestedTarget")
        relative = self.headers.get("X-WOPI-RelativeTarget")
        if (suggested is None) == (relative is None):
            self.fail(400, "exactly one of SuggestedTarget and RelativeTarget")
        try:
            target = utf7_decode(suggested if suggested is not None else relative)
        except (UnicodeError, ValueError):
            self.fail(400, "target is not UTF-7")
        if suggested is not None and target.startswith("."):
            target = os.path.splitext(name)[0] + target
        if not valid_name(target):
            self.fail(400, "invalid target name")
        data = self.read_body(self.state.max_put_bytes)
        if data is None:
            self.fail(413, "too large")
        with self.state.guard:
            target_path = os.path.join(self.state.root, target)
            if os.path.lexists(target_path):
                stem, ext = os.path.splitext(target)
                free = next(f"{stem} ({n}){ext}" for n in range(1, 10000)
                            if not os.path.lexists(os.path.join(self.state.root, f"{stem} ({n}){ext}")))
                if suggested is not None:
                    target, target_path = free, os.path.join(self.state.root, free)
                elif self.headers.get("X-WOPI-OverwriteRelativeTarget", "").lower() != "true":
                    self.fail(409, "target exists", {"X-WOPI-ValidRelativeTarget": utf7_encode(free)})
                elif self.state.current_lock(target):
                    self.conflict(target, "target is locked")
            self.write_atomically(target_path, data)
        host = self.headers.get("Host", "127.0.0.1:%d" % self.state.port)
        url = "http://%s/wopi/files/%s?access_token=%s" % (
            host, urllib.parse.quote(target, safe=""), urllib.parse.quote(self.token(), safe=""))
        return 200, {"Name": target, "Url": url}, {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="directory whose files are served")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--state-file", help="JSON file for locks, faults, pid and port")
    parser.add_argument("--token", action="append", default=[], help="a valid read-write token")
    parser.add_argument("--read-only-token", action="append", default=[], help="a valid read-only token")
    parser.add_argument("--expired-token", action="append", default=[], help="a token answered with 401")
    parser.add_argument("--max-put-bytes", type=int, default=1 << 30)
    parser.add_argument("--proof-discovery", help="discovery URL or XML file: check X-WOPI-Proof")
    parser.add_argument("--require-proof", action="store_true", help="answer 500 to unproven requests")
    parser.add_argument("--lenient-locks", action="store_true",
                        help="accept PutFile without a lock on unlocked non-empty files")
    args = parser.parse_args()
    if not os.path.isdir(args.root):
        parser.error("--root must be a directory")
    state = HostState(args)
    WopiHandler.state = state
    server = ThreadingHTTPServer((args.bind, args.port), WopiHandler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    state.save_state()
    print("LISTENING %d" % state.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
