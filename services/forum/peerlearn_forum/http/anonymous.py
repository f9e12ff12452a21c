"""Answers to anonymous readers served from the read cache (``adapters.read_cache``).

An anonymous reader's view of a page needs no caller, so it is computed once per content
version and kept as its encoded JSON; every later anonymous read of that page at that version
is one version read and a dictionary lookup. Signed-in readers never get these bodies: what
they see depends on who they are, so theirs is computed for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

import msgspec
from litestar import MediaType, Response

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.read_cache import read_cache_for

T = TypeVar("T", bound=msgspec.Struct)


async def cached_for_anonymous(
    uow: UnitOfWork,
    principal: Principal | None,
    key: Hashable,
    read: Callable[[int | None], Awaitable[T]],
) -> Response[T]:
    """``read(version)``'s answer; for an anonymous caller from the cache under ``key`` (which
    names everything the answer depends on besides the caller: the path and its parameters)."""
    if principal is not None:
        return Response(await read(None))
    cache = read_cache_for(uow.database)
    version = await cache.current()
    body: bytes | None = cache.get(("anonymous", key), version)
    if body is None:
        body = msgspec.json.encode(await read(version))
        cache.put(("anonymous", key), version, body)
    return Response(body, media_type=MediaType.JSON)  # type: ignore[arg-type]  # T, pre-encoded
