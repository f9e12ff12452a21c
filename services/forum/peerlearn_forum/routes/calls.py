"""How a request reaches a use case: one transaction, the caller as a Viewer, errors as HTTP.

Writes also go through the ``Idempotency-Key`` replay store and, when they publish
content, the per-person posting rate limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
)
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn_forum.domain import Conflict, Forbidden, ForumError, Invalid, NotFound, Viewer
from peerlearn_forum.store.readmodel import viewer_for

T = TypeVar("T")
UseCase = Callable[[AsyncSession, Viewer], Awaitable[T]]

IDEMPOTENCY_HEADER = "idempotency-key"
MAX_KEY_LENGTH = 200


@contextmanager
def http_errors() -> Iterator[None]:
    """Domain errors as HTTP answers (404, 403, 400, 409)."""
    try:
        yield
    except NotFound as exc:
        raise NotFoundException(str(exc)) from None
    except Forbidden as exc:
        raise PermissionDeniedException(str(exc)) from None
    except Invalid as exc:
        raise ClientException(str(exc)) from None
    except Conflict as exc:
        raise HTTPException(str(exc), status_code=409) from None
    except ForumError as exc:  # pragma: no cover - every subclass is mapped above
        raise ClientException(str(exc)) from None


async def run(state: State, principal: Principal | None, use_case: UseCase[T]) -> T:
    """Run ``use_case`` in one committed transaction as the caller."""
    with http_errors():
        async with state.database.transaction() as session:
            viewer = await viewer_for(session, principal)
            return await use_case(session, viewer)


class _Replay(msgspec.Struct):
    fingerprint: str
    status: int
    body: bytes


_replay_codec = msgspec.json.Encoder(), msgspec.json.Decoder(_Replay)
_key_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock_for(key: str) -> asyncio.Lock:
    """One lock per key while anyone holds it (forgotten once unused)."""
    lock = _key_locks.get(key)
    if lock is None:
        lock = asyncio.Lock()
        _key_locks[key] = lock
    return lock


async def write(
    request: Request[Any, Any, Any],
    principal: Principal | None,
    use_case: UseCase[Any],
    *,
    status: int = 201,
    posting: bool = False,
) -> Response[Any]:
    """Run a write; with an ``Idempotency-Key`` the first result is stored and replayed to retries.

    The key is scoped to the caller. A retry with the same key and the same request gets the
    first answer back and changes nothing; the same key with a different request is a 422.
    The answer is stored only after the transaction committed, and only when it succeeded.
    ``posting`` writes (new threads and posts) count toward the posting limit; a replay does not.
    """
    state = request.app.state
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        if posting:
            await check_post_rate(request, principal)
        result = await run(state, principal, use_case)
        return Response(result, status_code=status)
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ClientException(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    who = principal.person_id if principal and principal.person_id else "platform-admin"
    store_key = "idem:" + hashlib.sha256(f"{who}\x00{key}".encode()).hexdigest()
    body = await request.body()
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\x00".encode() + body).hexdigest()
    store = request.app.stores.get("idempotency")
    # One request per key at a time in this process; a replica racing on the same key is
    # the remaining window (the store has no atomic set-if-absent in Litestar's interface).
    async with _lock_for(store_key):
        cached = await store.get(store_key)
        if cached is not None:
            replay = _replay_codec[1].decode(cached)
            if replay.fingerprint != fingerprint:
                raise HTTPException(
                    "this Idempotency-Key was used for a different request; use a new key",
                    status_code=422,
                )
            return Response(
                replay.body,
                status_code=replay.status,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        if posting:
            await check_post_rate(request, principal)
        result = await run(state, principal, use_case)
        encoded = msgspec.json.encode(result)
        await store.set(
            store_key,
            _replay_codec[0].encode(_Replay(fingerprint=fingerprint, status=status, body=encoded)),
            expires_in=state.settings.idempotency_ttl_seconds,
        )
        return Response(
            encoded,
            status_code=status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "false"},
        )


async def check_post_rate(request: Request[Any, Any, Any], principal: Principal | None) -> None:
    """At most ``post_rate_per_minute`` new threads and posts per person in any 60 seconds, else 429.

    A sliding window: the times of the person's recent posts are kept in the shared
    "rate_limit" store (Redis when configured, so replicas count together), and
    ``Retry-After`` says when the oldest of them leaves the window.
    """
    if principal is None or principal.person_id is None:
        return
    limit = request.app.state.settings.post_rate_per_minute
    key = f"forum-posts:{principal.person_id}"
    store = request.app.stores.get("rate_limit")
    async with _lock_for(key):
        now = time.time()
        raw = await store.get(key)
        recent = [t for t in (msgspec.json.decode(raw, type=list[float]) if raw else []) if t > now - 60]
        if len(recent) >= limit:
            retry_after = max(1, int(recent[-limit] + 60 - now + 0.999))
            raise TooManyRequestsException(
                f"at most {limit} new threads and posts a minute; try again in {retry_after}s",
                headers={"Retry-After": str(retry_after)},
            )
        recent.append(now)
        await store.set(key, msgspec.json.encode(recent[-limit:]), expires_in=61)
