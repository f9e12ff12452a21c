"""Answers to readers served from the read cache (:mod:`peerlearn.read_cache`).

A reader's view of a page is computed once per content version and kept as its encoded JSON;
every later read of that page at that version by the same reader is one version read and a
dictionary lookup. An anonymous reader's view needs no caller, so all anonymous readers share
one body. A signed-in reader's view depends on who they are, and a service that caches it knows
who they are only from its own rows, never the token's word: it takes the token's person id and
platform-admin flag and nothing else (the forum's ``DIRECTORY.caller_for``, profiles'
``usecases.access.viewer_of``), and those rows bump the content version too. So a signed-in
body is kept under that person (and flag) and served to them only: a membership change, a vote
or an answer starts a new version, and nothing kept for one caller is ever served to another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

import msgspec
from litestar import MediaType, Response

from peerlearn.auth import Principal
from peerlearn.read_cache import read_cache_for
from peerlearn.unit_of_work import UnitOfWork

T = TypeVar("T", bound=msgspec.Struct)


async def cached_for_reader(
    uow: UnitOfWork,
    principal: Principal | None,
    key: Hashable,
    read: Callable[[int | None], Awaitable[T]],
) -> Response[T]:
    """``read(version)``'s answer from the cache under ``key`` (which names everything the
    answer depends on besides the caller: the path and its parameters) and the caller."""
    cache = read_cache_for(uow.database)
    version = await cache.current()
    reader = _reader_key(principal)
    shared = principal is None  # one body for every anonymous reader: a budget of its own
    body: bytes | None = cache.get((reader, key), version, shared=shared)
    if body is None:
        body = msgspec.json.encode(await read(version))
        cache.put((reader, key), version, body, shared=shared)
    return Response(body, media_type=MediaType.JSON)  # type: ignore[arg-type]  # T, pre-encoded


def _reader_key(principal: Principal | None) -> Hashable:
    """Who the answer is for, as far as a caching service tells callers apart (it reads these
    two fields of the token and nothing else)."""
    if principal is None:
        return "anonymous"
    return ("reader", principal.person_id, principal.platform_admin)
