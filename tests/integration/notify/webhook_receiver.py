"""A real HTTP server (``http.server`` in a thread) that receives webhooks, answers scripted
statuses per path and checks each JSON delivery's signature the way the docs tell receivers to."""

from __future__ import annotations

import hashlib
import hmac
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool | None  # None: no secret known for the path


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # path -> statuses to answer in turn (the last one repeats); 200 when none.
    script: dict[str, list[int]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    # path -> an event the handler waits on before answering (a slow receiver), and the paths
    # whose requests are being answered right now.
    holds: dict[str, threading.Event] = field(default_factory=dict)
    answering: set[str] = field(default_factory=set)
    answering_when_received: dict[str, set[str]] = field(default_factory=dict)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the HMAC of "<timestamp>.<body>" and compare in constant
    time, and refuse a timestamp too far from now (replay)."""
    timestamp = headers.get("x-peerlearn-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", headers.get("x-peerlearn-signature", ""))


@contextmanager
def receiving(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A started receiver on a free port of 127.0.0.1 (behind TLS with ``tls``)."""
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            secret = receiver.secrets.get(self.path)
            signed = verify(secret, headers, body) if secret else None
            receiver.answering_when_received[self.path] = set(receiver.answering)
            receiver.requests.append(Received(self.path, headers, body, signed))
            hold = receiver.holds.get(self.path)
            if hold is not None:
                receiver.answering.add(self.path)
                hold.wait(timeout=30)
                receiver.answering.discard(self.path)
            statuses = receiver.script.get(self.path, [200])
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    receiver = Receiver(url=f"{scheme}://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
