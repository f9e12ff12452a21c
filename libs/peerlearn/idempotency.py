"""``Idempotency-Key`` on every write of every service: a retry gets the first answer, changes nothing.

The key is scoped to the caller (a person, or the platform admin). The first successful
(2xx) answer is kept in the service's own database (table ``idempotency_keys``) for
``keep_seconds``; a retry with the same key and the same request replays it with
``Idempotent-Replay: true``; the same key with a different request is a 422. A failed request
is not kept, so fixing and retrying it works.

The answer is committed *in the write's own transaction*: the request runs inside a
:class:`~peerlearn.unit_of_work.KeyedWrite` scope, the unit of work hands its transaction to
the scope instead of committing, and this middleware adds the answer and commits both before
the answer is sent. So a crash at any point leaves the state change, its events and the
stored answer together or not at all, and a retry after a restart returns the first answer.
(Writes that do not go through the unit of work commit by themselves and their answer is
stored just after, as before.)

Two requests with the same key at the same time: in one process the second waits for the
first and replays its answer; across replicas the key is *claimed* first (Redis ``SET NX``),
and a request that finds it claimed answers 409 "in progress, retry"; should two replicas still
both run it, the second commit fails on the key's primary key, rolls its write back, and
replays the first answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from litestar.stores.base import Store
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.asgi_bodies import answer, body_of, read_body, replaying
from peerlearn.auth import Principal
from peerlearn.store import Database, UTCDateTime
from peerlearn.unit_of_work import keyed_write

log = logging.getLogger("peerlearn.idempotency")

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 200
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


# The library's own table, in every service's database (created at start-up).
metadata = sa.MetaData()
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(200), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
)
PRUNE_EVERY_SECONDS = 3600.0
# The cross-replica claim only spares a duplicate the work: the stored answer's primary key is
# the guard. Short, so that a claim left by a crashed replica blocks a retry for seconds only.
CLAIM_SECONDS = 10


class _Kept(msgspec.Struct):
    fingerprint: str
    status: int
    content_type: str
    body: bytes


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
            await answer(send, 400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
            return
        messages, size = await read_body(receive, self.max_body)
        if size > self.max_body:  # the handler refuses it (413); nothing to keep
            await self.app(asgi_scope, replaying(messages, receive), send)
            return
        who = principal.person_id or "platform-admin"
        store_key = "idem:" + hashlib.sha256(f"{who}\x00".encode() + key).hexdigest()
        request_line = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode()}\x00"
        fingerprint = hashlib.sha256(request_line.encode() + body_of(messages)).hexdigest()
        # One request per key at a time in this app (a replica); other replicas are kept out by the claim.
        lock = _locks.setdefault(f"{id(scope['app'])}:{store_key}", asyncio.Lock())
        async with lock:
            database: Database = scope["app"].state.database
            kept = await self._kept(database, store_key)
            if kept is not None:
                await self._replay_or_refuse(send, kept, fingerprint)
                return
            store: Store = scope["app"].stores.get("idempotency")
            if not await claim(store, store_key + ":claim", CLAIM_SECONDS):
                await answer(send, 409, "a request with this Idempotency-Key is in progress; retry shortly")
                return
            try:
                await self._run_keyed(
                    database, asgi_scope, replaying(messages, receive), send, store_key, fingerprint
                )
            finally:
                await store.delete(store_key + ":claim")

    async def _run_keyed(
        self, database: Database, scope: Scope, receive: Receive, send: Send, key: str, fingerprint: str
    ) -> None:
        async with keyed_write(database) as write:
            captured = await self._run(scope, receive)
            answer = _Kept(fingerprint, captured.status, captured.content_type, bytes(captured.body))
            keep = 200 <= captured.status < 300
            if write.wrote:
                assert write.session is not None
                if keep:
                    await _insert(write.session, key, answer)
                try:
                    await write.finish()
                except IntegrityError:
                    # Another replica committed this key first: our write is rolled back with it.
                    kept = await self._kept(database, key)
                    if kept is None:
                        raise
                    await self._replay_or_refuse(send, kept, fingerprint)
                    return
            elif keep:
                # A write that committed by itself (not through the unit of work).
                try:
                    async with database.transaction() as session:
                        await _insert(session, key, answer)
                except Exception:
                    # The write is committed: the caller gets its answer; only a retry's replay is lost.
                    log.warning("could not keep the answer of an idempotent write", exc_info=True)
        for message in captured.messages:
            await send(message)
        if keep:
            await self._prune(database)

    async def _kept(self, database: Database, key: str) -> _Kept | None:
        since = datetime.now(UTC) - timedelta(seconds=self.keep_seconds)
        async with database.reading() as session:
            row = (
                await session.execute(
                    sa.select(idempotency_keys).where(
                        idempotency_keys.c.key == key, idempotency_keys.c.created_at > since
                    )
                )
            ).first()
        if row is None:
            return None
        return _Kept(row.fingerprint, row.status, row.content_type, bytes(row.body))

    async def _prune(self, database: Database) -> None:
        now = time.monotonic()
        last = _last_prune.get(id(database), 0.0)
        if now - last < PRUNE_EVERY_SECONDS:
            return
        _last_prune[id(database)] = now
        since = datetime.now(UTC) - timedelta(seconds=self.keep_seconds)
        try:
            async with database.transaction() as session:
                await session.execute(
                    sa.delete(idempotency_keys).where(idempotency_keys.c.created_at <= since)
                )
        except Exception:
            log.warning("pruning old idempotent answers failed; next time", exc_info=True)

    async def _replay_or_refuse(self, send: Send, kept: _Kept, fingerprint: str) -> None:
        if kept.fingerprint != fingerprint:
            await answer(send, 422, "this Idempotency-Key was used with a different request; use a new key")
            return
        headers = [(b"idempotent-replay", b"true"), (b"content-length", str(len(kept.body)).encode())]
        if kept.content_type:
            headers.append((b"content-type", kept.content_type.encode()))
        await send({"type": "http.response.start", "status": kept.status, "headers": headers})
        await send({"type": "http.response.body", "body": kept.body, "more_body": False})

    async def _run(self, scope: Scope, receive: Receive) -> _Captured:
        """Run the app, holding its answer back: it is sent only once the write has committed."""
        captured = _Captured()

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.content_type = dict(message.get("headers", [])).get(b"content-type", b"").decode()
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")
            captured.messages.append(message)

        await self.app(scope, receive, capture)
        return captured


class _Captured:
    def __init__(self) -> None:
        self.status = 0
        self.content_type = ""
        self.body = bytearray()
        self.messages: list[Any] = []


_last_prune: dict[int, float] = {}


async def _insert(session: AsyncSession, key: str, answer: _Kept) -> None:
    await session.execute(
        sa.insert(idempotency_keys).values(
            key=key,
            fingerprint=answer.fingerprint,
            status=answer.status,
            content_type=answer.content_type,
            body=answer.body,
            created_at=datetime.now(UTC),
        )
    )
