"""A loopback HTTP proxy between the real ``huggingface_hub`` client and the local hub
that breaks chosen requests, and counts what went through.

The hub writes the address a request came to (the proxy's, since the Host header is
kept) into its LFS upload links, so uploads go through the proxy too.

Faults (``FaultyProxy.inject(match, fault, times=None, headers=None)``):

* an ``int``: answer that HTTP status without forwarding (``headers`` e.g. ``Retry-After``);
* ``"drop_request"``: close the connection without forwarding or answering;
* ``"drop_answer"``: forward, then close the connection without answering;
* ``"answer_status:N"``: forward, then answer HTTP N instead of the hub's answer;
* ``"reset_mid_body"``: forward half of the body, then reset both connections;
* ``"hold"``: forward only once ``hold_count`` such requests arrived (a race at its worst);
* a callable: called (e.g. to restart the hub), then the request is forwarded.

When the hub does not answer, the proxy answers 502 as a gateway would.
``times`` bounds how often a fault fires (``None``: every time); a spent fault lets
requests through.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def is_preupload(method, path):
    return method == "POST" and "/preupload/" in path


def is_lfs_batch(method, path):
    return method == "POST" and path.endswith(".git/info/lfs/objects/batch")


def is_lfs_upload(method, path):
    return method == "PUT" and path.startswith("/lfs-upload/")


def is_commit(method, path):
    return method == "POST" and "/commit/" in path


@dataclass
class Fault:
    match: object
    kind: object
    times: int | None = None
    headers: dict = field(default_factory=dict)
    fired: int = 0

    def fire(self, lock) -> bool:
        with lock:
            if self.times is not None and self.fired >= self.times:
                return False
            self.fired += 1
            return True


class _Handler(BaseHTTPRequestHandler):
    """Forwards each request to the hub, unless a fault of ``server.proxy`` says otherwise."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reset(self):
        # SO_LINGER 0: close() sends an RST, as a crashed peer or a dropped network would.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _answer(self, status, headers, body):
        self.send_response(status)
        length = str(len(body))
        for name, value in headers:
            if name.lower() == "content-length" and self.command == "HEAD":
                length = value  # the size of what a GET would return
            elif name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _tear(self, proxy):
        """``reset_mid_body``: half of the body goes on, then both connections are reset."""
        declared = int(self.headers.get("Content-Length") or 0)
        half = self.rfile.read(declared // 2)
        proxy._send_partial(self.command, self.path, self.headers, half, declared)
        self._reset()

    def _fault_before_forwarding(self, proxy, fault) -> bool:
        """Apply the faults that act before the hub sees the request; True when that answered it."""
        kind = fault.kind if fault else None
        if kind == "drop_request":
            self.close_connection = True
            return True
        if isinstance(kind, int):
            headers = [("Content-Type", "application/json"), *fault.headers.items()]
            self._answer(kind, headers, b'{"error": "injected fault"}')
            return True
        if kind == "hold":
            proxy._hold.wait()
        elif callable(kind):
            kind()
        return False

    def _handle(self):
        proxy = self.server.proxy
        fault = proxy._fault_for(self.command, self.path)
        kind = fault.kind if fault else None
        proxy.seen.append((self.command, self.path, kind))
        if kind == "reset_mid_body":
            self._tear(proxy)
            return
        body = self._body()
        if self._fault_before_forwarding(proxy, fault):
            return
        try:
            status, headers, answer = proxy._forward(self.command, self.path, self.headers, body)
        except OSError:  # the hub is down: answer as a gateway in front of it would
            status, headers, answer = 502, [("Content-Type", "application/json")], b'{"error": "Bad gateway"}'
        if kind == "drop_answer":
            self.close_connection = True
            return
        if isinstance(kind, str) and kind.startswith("answer_status:"):
            self._answer(int(kind.split(":")[1]), [("Content-Type", "application/json")],
                         b'{"error": "Bad gateway (injected)"}')
            return
        self._answer(status, headers, answer)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle


class FaultyProxy:
    """See the module docstring. ``seen`` lists ``(method, path, fault kind or None)``."""

    def __init__(self, upstream: str, hold_count: int = 2):
        self.upstream = urlsplit(upstream)
        self.rules: list[Fault] = []
        self.seen: list[tuple[str, str, object]] = []
        self._lock = threading.Lock()
        self._hold = threading.Barrier(hold_count, timeout=30)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.proxy = self  # what each request's handler reads its faults from
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def inject(self, match, kind, *, times: int | None = None, headers: dict | None = None) -> Fault:
        fault = Fault(match, kind, times, dict(headers or {}))
        self.rules.append(fault)
        return fault

    def _fault_for(self, method, path) -> Fault | None:
        for fault in list(self.rules):
            if fault.match(method, path) and fault.fire(self._lock):
                return fault
        return None

    def count(self, match, since: int = 0) -> int:
        """How many requests ``match`` selects reached the proxy (from ``seen[since:]``)."""
        return sum(1 for method, path, _ in self.seen[since:] if match(method, path))

    def _connection(self):
        return http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)

    def _forward(self, method, path, headers, body):
        conn = self._connection()
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            sent["Content-Length"] = str(len(body))
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def _send_partial(self, method, path, headers, part, declared):
        """Send a request whose body stops half-way, then hang up (the hub sees a torn upload)."""
        conn = self._connection()
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    conn.putheader(name, value)
            conn.putheader("Content-Length", str(declared))
            conn.endheaders()
            conn.send(part)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
