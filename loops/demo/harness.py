"""What the demo's suites share: an HTTP helper, a tiny WebSocket client, and a runner that
times each test and writes JUnit XML the way pytest's --junitxml does.

Standard library only, so the demo needs nothing but Python 3.
"""
import base64
import hashlib
import json
import os
import socket
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from xml.sax.saxutils import escape, quoteattr

BASE_URL = os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:7890")
WS_URL = os.environ.get("DEMO_WS_URL", "ws://127.0.0.1:7890/ws")

AGENT_EVENTS = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed"]


def http(method, path, body=None, timeout=None):
    """Calls the backend and returns (status, parsed JSON). Raises urllib's HTTPError on 4xx/5xx.

    No timeout by default, like most test clients: a backend that never answers hangs the suite.
    Each request is printed first, as a client's debug logging would, so a hang's last line of
    output says what it was waiting for.
    """
    print(f"{method} {path}", end=" ", flush=True)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE_URL + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


# --- WebSocket (RFC 6455), just enough for a client ---------------------------------------

CLOSE_NAMES = {1000: "OK", 1001: "going away", 1002: "protocol error", 1006: "abnormal closure",
               1011: "internal error", 1012: "service restart", 1013: "try again later"}


class ConnectionClosedError(Exception):
    """The server closed the connection with a code other than 1000, worded like `websockets`."""

    def __init__(self, code, reason):
        self.code = code
        self.reason = reason
        name = CLOSE_NAMES.get(code, "unknown")
        extra = f" {reason}" if reason and reason != name else ""
        super().__init__(f"received {code} ({name}){extra}; then sent {code} ({name}){extra}")


class StreamStalled(Exception):
    """No message arrived within the wait."""


class WebSocket:
    def __init__(self, url=WS_URL, timeout=5.0):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        self.buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode())
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status = head.split("\r\n", 1)[0]
        if " 101 " not in status + " ":
            raise ConnectionError(f"WebSocket upgrade refused: {status}")
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if accept.decode().lower() not in head.lower():
            raise ConnectionError("WebSocket upgrade answered with a wrong Sec-WebSocket-Accept")

    def send_json(self, value):
        self._send(0x1, json.dumps(value).encode())

    def recv_json(self, wait):
        """The next text message as JSON; raises StreamStalled after `wait` seconds of silence
        and ConnectionClosedError when the server closes with anything but 1000."""
        self.sock.settimeout(wait)
        while True:
            try:
                opcode, payload = self._frame()
            except socket.timeout:
                raise StreamStalled(f"no message for {wait} s") from None
            if opcode == 0x1:
                return json.loads(payload)
            if opcode == 0x9:
                self._send(0xA, payload)
            elif opcode == 0x8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if code == 1000:
                    raise ConnectionError("the server closed the connection (1000)")
                raise ConnectionClosedError(code, payload[2:].decode("utf-8", "replace"))

    def close(self):
        try:
            self._send(0x8, (1000).to_bytes(2, "big"))
        except OSError:
            pass
        self.sock.close()

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _frame(self):
        first, second = self._read(2)
        n = second & 0x7F
        if n == 126:
            n = int.from_bytes(self._read(2), "big")
        elif n == 127:
            n = int.from_bytes(self._read(8), "big")
        return first & 0x0F, self._read(n)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the connection dropped without a close frame (1006)")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the connection dropped during the WebSocket upgrade")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(marker, 1)
        return head


def agent_run(content, until, wait=1.5):
    """Sends a user message and collects event types until `until` arrives.

    Raises ConnectionClosedError when the server breaks the connection, and StreamStalled
    (its first line the same for every caller, so a stalled stream is one cluster) when the
    events stop coming.
    """
    ws = WebSocket()
    try:
        ws.send_json({"type": "user_message", "payload": {"content": content}})
        seen = []
        while until not in seen:
            try:
                seen.append(ws.recv_json(wait)["type"])
            except StreamStalled:
                last = seen[-1] if seen else "the user message"
                raise StreamStalled(f"event stream stalled after {last}: no event for {wait} s\n"
                                    f"waiting for {until}; received: {', '.join(seen) or 'nothing'}") from None
        return seen
    finally:
        ws.close()


# --- running tests --------------------------------------------------------------------------

def run(module, tests):
    """Runs `tests` (functions) one after another, prints progress, writes JUnit to the
    --junitxml=PATH argument, and exits 1 when any failed, like pytest."""
    target = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--junitxml=")), None)
    cases = []
    started = time.monotonic()
    for test in tests:
        print(f"{module}::{test.__name__} ...", end=" ", flush=True)
        start = time.monotonic()
        failure = None
        try:
            test()
        except AssertionError as error:
            failure = ("failure", f"AssertionError: {error}", traceback.format_exc())
        except Exception as error:
            failure = ("failure", f"{type(error).__name__}: {error}", traceback.format_exc())
        elapsed = time.monotonic() - start
        print("FAILED" if failure else "PASSED", f"({elapsed:.3f} s)", flush=True)
        if failure:
            print(failure[1], flush=True)
        cases.append((test.__name__, elapsed, failure))
    failed = sum(1 for case in cases if case[2])
    print(f"{len(cases) - failed} passed, {failed} failed in {time.monotonic() - started:.2f} s", flush=True)
    if target:
        write_junit(target, module, cases, time.monotonic() - started)
    sys.exit(1 if failed else 0)


def write_junit(path, module, cases, total):
    failed = sum(1 for case in cases if case[2])
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<testsuites>',
             f'<testsuite name="pytest" tests="{len(cases)}" failures="{failed}" errors="0" '
             f'skipped="0" time="{total:.3f}">']
    for name, elapsed, failure in cases:
        parts.append(f'<testcase classname={quoteattr(module)} name={quoteattr(name)} time="{elapsed:.3f}">')
        if failure:
            kind, message, detail = failure
            parts.append(f"<{kind} message={quoteattr(message)}>{escape(detail)}</{kind}>")
        parts.append("</testcase>")
    parts.append("</testsuite></testsuites>\n")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write("".join(parts))
