"""``Idempotency-Key`` on writes: a retried request gets the first answer back and changes nothing.

The key is scoped to the caller (person, or the platform admin). The first successful (2xx)
answer is kept in the app's ``idempotency`` store (Redis when configured, so replicas
agree) for 24 hours; a retry with the same key and the same request replays it, marked
``Idempotent-Replay: true``; the same key with a different request is a 422. A failed
request is not kept, so fixing and retrying it works. The answer is stored only after the
handler's transaction committed: the middleware sees the response after the session
dependency's cleanup.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from typing import Any, cast

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from peerlearn.auth import Principal

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 200
KEEP_SECONDS = 24 * 3600
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class _Kept(msgspec.Struct):
    fingerprint: str
    status: int
    content_type: str
    body: bytes


_decoder = msgspec.msgpack.Decoder(_Kept)
_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


class IdempotencyMiddleware:
    """ASGI middleware for the /v1 router (it runs after authentication, so it knows the caller)."""

    def __init__(self, app: ASGIApp, max_body: int = 5 * 1024 * 1024) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = cast(Any, asgi_scope)  # an HTTP scope; typed loosely for brevity
        key = dict(scope.get("headers", [])).get(HEADER) if scope["type"] == "http" else None
        principal = scope.get("user")
        if key is None or scope.get("method") not in WRITES or not isinstance(principal, Principal):
            await self.app(asgi_scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            await _answer(send, 400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
            return
        messages, size = await _read_body(receive, self.max_body)
        if size > self.max_body:  # let the handler refuse it (413) without keeping anything
            await self.app(asgi_scope, _replaying(messages, receive), send)
            return
        who = principal.person_id or "platform-admin"
        store_key = "idem:" + hashlib.sha256(f"{who}\x00".encode() + key).hexdigest()
        request_line = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode()}\x00"
        fingerprint = hashlib.sha256(request_line.encode() + b"".join(m.get("body", b"") for m in messages))
        lock = _locks.setdefault(store_key, asyncio.Lock())
        async with lock:  # one request per key at a time in this process
            store = scope["app"].stores.get("idempotency")
            raw = await store.get(store_key)
            if raw is not None:
                kept = _decoder.decode(raw)
                if kept.fingerprint != fingerprint.hexdigest():
                    await _answer(send, 422, "this Idempotency-Key was used with a different request")
                    return
                await _replay(send, kept)
                return
            captured: dict[str, Any] = {"status": 0, "content_type": "", "body": bytearray()}

            async def capture(message: Any) -> None:
                if message["type"] == "http.response.start":
                    captured["status"] = message["status"]
                    headers = dict(message.get("headers", []))
                    captured["content_type"] = headers.get(b"content-type", b"").decode()
                elif message["type"] == "http.response.body":
                    captured["body"] += message.get("body", b"")
                await send(message)

            await self.app(asgi_scope, _replaying(messages, receive), capture)
            if 200 <= captured["status"] < 300:
                kept = _Kept(
                    fingerprint.hexdigest(),
                    captured["status"],
                    captured["content_type"],
                    bytes(captured["body"]),
                )
                await store.set(store_key, msgspec.msgpack.encode(kept), expires_in=KEEP_SECONDS)


async def _read_body(receive: Receive, limit: int) -> tuple[list[Any], int]:
    messages: list[Any] = []
    size = 0
    while True:
        message: Any = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body") or size > limit:
            return messages, size


def _replaying(messages: list[Any], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Any:
        return pending.pop(0) if pending else await receive()

    return replay


async def _replay(send: Any, kept: _Kept) -> None:
    headers = [(b"idempotent-replay", b"true"), (b"content-length", str(len(kept.body)).encode())]
    if kept.content_type:
        headers.append((b"content-type", kept.content_type.encode()))
    await send({"type": "http.response.start", "status": kept.status, "headers": headers})
    await send({"type": "http.response.body", "body": kept.body})


async def _answer(send: Any, status: int, detail: str) -> None:
    body = msgspec.json.encode({"status_code": status, "detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
