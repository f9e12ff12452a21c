"""``Idempotency-Key`` on every write of every service: a retry gets the first answer, changes nothing.

The key is scoped to the caller (a person, or the platform admin). The first successful
(2xx) answer is kept in the app's ``idempotency`` store — Redis when configured, so that
replicas agree — for ``keep_seconds``; a retry with the same key and the same request
replays it with ``Idempotent-Replay: true``; the same key with a different request is a
422. A failed request is not kept, so fixing and retrying it works. The answer is stored
after the handler returned, i.e. after its transaction committed.

Two requests with the same key at the same time: in one process the second waits for the
first and replays its answer; across replicas the key is *claimed* atomically first (Redis
``SET NX``), and a request that finds it claimed answers 409 "in progress, retry".
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from typing import Any, cast

import msgspec
from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send

from peerlearn.auth import Principal

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 200
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class _Kept(msgspec.Struct):
    fingerprint: str
    status: int
    content_type: str
    body: bytes


_decoder = msgspec.msgpack.Decoder(_Kept)
_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


async def claim(store: Store, key: str, seconds: int) -> bool:
    """Take ``key`` for ``seconds`` unless someone holds it; True when we got it.

    Litestar's ``Store`` has no set-if-absent, so Redis is asked directly; any other store
    serves one process, where the caller's lock already makes this atomic.
    """
    redis = getattr(store, "_redis", None)
    make_key = getattr(store, "_make_key", None)
    if redis is not None and make_key is not None:
        return bool(await redis.set(make_key(key), b"1", nx=True, ex=seconds))
    if await store.exists(key):
        return False
    await store.set(key, b"1", expires_in=seconds)
    return True


class IdempotencyMiddleware:
    """ASGI middleware placed after authentication, so that it knows the caller."""

    def __init__(self, app: ASGIApp, max_body: int = 1_048_576, keep_seconds: int = 24 * 3600) -> None:
        self.app = app
        self.max_body = max_body
        self.keep_seconds = keep_seconds

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = cast(Any, asgi_scope)
        key = dict(scope.get("headers", [])).get(HEADER) if scope["type"] == "http" else None
        principal = scope.get("user")
        if key is None or scope.get("method") not in WRITES or not isinstance(principal, Principal):
            await self.app(asgi_scope, receive, send)
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            await _answer(send, 400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
            return
        messages, size = await _read_body(receive, self.max_body)
        if size > self.max_body:  # the handler refuses it (413); nothing to keep
            await self.app(asgi_scope, _replaying(messages, receive), send)
            return
        who = principal.person_id or "platform-admin"
        store_key = "idem:" + hashlib.sha256(f"{who}\x00".encode() + key).hexdigest()
        request_line = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode()}\x00"
        fingerprint = hashlib.sha256(
            request_line.encode() + b"".join(m.get("body", b"") for m in messages)
        ).hexdigest()
        # One request per key at a time in this app (a replica); other replicas are kept out by the claim.
        lock = _locks.setdefault(f"{id(scope['app'])}:{store_key}", asyncio.Lock())
        async with lock:
            store: Store = scope["app"].stores.get("idempotency")
            raw = await store.get(store_key)
            if raw is not None:
                await self._replay_or_refuse(send, _decoder.decode(raw), fingerprint)
                return
            if not await claim(store, store_key + ":claim", 60):
                await _answer(send, 409, "a request with this Idempotency-Key is in progress; retry shortly")
                return
            try:
                captured = await self._run(asgi_scope, _replaying(messages, receive), send)
                if 200 <= captured.status < 300:
                    kept = _Kept(fingerprint, captured.status, captured.content_type, bytes(captured.body))
                    await store.set(store_key, msgspec.msgpack.encode(kept), expires_in=self.keep_seconds)
            finally:
                await store.delete(store_key + ":claim")

    async def _replay_or_refuse(self, send: Send, kept: _Kept, fingerprint: str) -> None:
        if kept.fingerprint != fingerprint:
            await _answer(send, 422, "this Idempotency-Key was used with a different request; use a new key")
            return
        headers = [(b"idempotent-replay", b"true"), (b"content-length", str(len(kept.body)).encode())]
        if kept.content_type:
            headers.append((b"content-type", kept.content_type.encode()))
        await send({"type": "http.response.start", "status": kept.status, "headers": headers})
        await send({"type": "http.response.body", "body": kept.body, "more_body": False})

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> _Captured:
        captured = _Captured()

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.content_type = dict(message.get("headers", [])).get(b"content-type", b"").decode()
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, capture)
        return captured


class _Captured:
    def __init__(self) -> None:
        self.status = 0
        self.content_type = ""
        self.body = bytearray()


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


async def _answer(send: Send, status: int, detail: str) -> None:
    body = msgspec.json.encode({"status_code": status, "detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
