"""How a request reaches a use case: one transaction, the caller as a Viewer, errors as HTTP.

Writes that publish content also go through the per-person posting rate limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
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

logger = logging.getLogger(__name__)

T = TypeVar("T")
UseCase = Callable[[AsyncSession, Viewer], Awaitable[T]]


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


async def read(state: State, principal: Principal | None, use_case: UseCase[T]) -> T:
    """Run a read-only ``use_case`` as the caller; on SQLite it does not wait for writers."""
    with http_errors():
        async with state.database.reading() as session:
            viewer = await viewer_for(session, principal)
            return await use_case(session, viewer)


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
    """Run a write in one transaction. ``posting`` writes (new threads and posts) count toward the
    posting limit, and only when they succeed: a slot is reserved before the use case runs and
    given back if it fails (404, 403, 400, 409, a failed commit…), so refused requests never use
    up a person's allowance. (``Idempotency-Key`` is the service kit's: a replayed retry never
    gets here, so it does not count.)"""
    if not posting:
        return Response(await run(request.app.state, principal, use_case), status_code=status)
    slot = await reserve_post_slot(request, principal)
    try:
        result = await run(request.app.state, principal, use_case)
    except BaseException:
        if slot is not None:
            await slot.release()
        raise
    return Response(result, status_code=status)


class PostSlot:
    """One reserved place in a person's posting window, to give back if the write fails."""

    def __init__(self, release: Callable[[], Awaitable[None]]) -> None:
        self._release = release

    async def release(self) -> None:
        try:
            await self._release()
        except Exception:  # pragma: no cover - giving a slot back is best effort
            logger.warning("could not give back a posting slot", exc_info=True)


def _too_many(limit: int, oldest_counted: float, now: float) -> TooManyRequestsException:
    retry_after = max(1, int(oldest_counted + WINDOW - now + 0.999))
    return TooManyRequestsException(
        f"at most {limit} new threads and posts a minute; try again in {retry_after}s",
        headers={"Retry-After": str(retry_after)},
    )


WINDOW = 60.0


async def reserve_post_slot(request: Request[Any, Any, Any], principal: Principal | None) -> PostSlot | None:
    """At most ``post_rate_per_minute`` new threads and posts per person in any 60 seconds, else 429.

    A sliding window over the times of the person's recent posts, kept in the shared
    "rate_limit" store, and ``Retry-After`` says when the oldest counted one leaves it.

    With Redis (replicas count together) the window is a sorted set, and taking a slot is one
    ``MULTI``: drop entries older than the window, add ours, count. Over the limit, ours is
    removed again and the answer is 429, so two replicas racing for the last slot can never both
    get it (at worst both are refused, and a retry a moment later succeeds). The earlier
    get-then-set of a JSON list could let each replica write over the other's count. Without
    Redis the store is this process's memory and a per-person lock makes the same steps atomic.
    """
    if principal is None or principal.person_id is None:
        return None
    limit = request.app.state.settings.post_rate_per_minute
    key = f"forum-posts:{principal.person_id}"
    store = request.app.stores.get("rate_limit")
    redis = getattr(store, "_redis", None)
    make_key = getattr(store, "_make_key", None)
    if redis is not None and make_key is not None:
        return await _reserve_in_redis(redis, make_key(key), limit)
    return await _reserve_in_store(store, key, limit)


async def _reserve_in_redis(redis: Any, key: str, limit: int) -> PostSlot:
    now = time.time()
    member = f"{now:.6f}:{uuid.uuid4().hex}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(key, "-inf", now - WINDOW)
        pipe.zadd(key, {member: now})
        pipe.zcard(key)
        pipe.expire(key, int(WINDOW) + 1)
        _, _, count, _ = await pipe.execute()
    if int(count) > limit:
        await redis.zrem(key, member)
        counted = await redis.zrange(key, -limit, -limit, withscores=True)
        oldest = float(counted[0][1]) if counted else now
        raise _too_many(limit, oldest, now)

    async def release() -> None:
        await redis.zrem(key, member)

    return PostSlot(release)


async def _reserve_in_store(store: Any, key: str, limit: int) -> PostSlot:
    async def recent_times(now: float) -> list[float]:
        raw = await store.get(key)
        return [t for t in (msgspec.json.decode(raw, type=list[float]) if raw else []) if t > now - WINDOW]

    async with _lock_for(key):
        now = time.time()
        recent = await recent_times(now)
        if len(recent) >= limit:
            raise _too_many(limit, recent[-limit], now)
        recent.append(now)
        await store.set(key, msgspec.json.encode(recent[-limit:]), expires_in=int(WINDOW) + 1)

    async def release() -> None:
        async with _lock_for(key):
            times = await recent_times(time.time())
            if now in times:
                times.remove(now)
                await store.set(key, msgspec.json.encode(times), expires_in=int(WINDOW) + 1)

    return PostSlot(release)
