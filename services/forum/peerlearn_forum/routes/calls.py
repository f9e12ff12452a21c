"""How a request reaches a use case: one transaction, the caller as a Viewer, errors as HTTP.

Writes that publish content also go through the per-person posting rate limit.
"""

from __future__ import annotations

import asyncio
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
    posting limit. (``Idempotency-Key`` is the service kit's: a replayed retry never gets here,
    so it does not count.)"""
    if posting:
        await check_post_rate(request, principal)
    result = await run(request.app.state, principal, use_case)
    return Response(result, status_code=status)


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
