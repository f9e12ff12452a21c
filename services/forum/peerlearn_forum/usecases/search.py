"""Search over what the caller may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import loop_reads
from peerlearn.auth import Principal
from peerlearn.errors import Invalid
from peerlearn.read_cache import read_cache_for
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.store.search import engine_for
from peerlearn_forum.domain.cursors import MAX_CURSOR_OFFSET, cursor_int, decode_cursor, encode_cursor
from peerlearn_forum.domain.text import excerpt, search_terms
from peerlearn_forum.http import schemas
from peerlearn_forum.usecases.access import reader_of

# The loop's budget for one search (SQLite steps; some 2 ms, see ``peerlearn.loop_reads``).
SEARCH_STEPS = 40_000


async def search(
    uow: UnitOfWork,
    principal: Principal | None,
    query: str,
    *,
    cursor: str | None,
    limit: int,
    version: int | None = None,
) -> schemas.SearchPage:
    """Threads and posts matching every word of ``query``, best first, only from visible spaces.
    ``version`` is the content version the caller read already (``peerlearn.read_cache``)."""
    terms = search_terms(query)
    if not terms:
        raise Invalid("the query has no words to search for")
    offset = cursor_int(decode_cursor(cursor), "o", low=0, high=MAX_CURSOR_OFFSET) if cursor else 0
    cache = read_cache_for(uow.database)
    if version is None:
        version = await cache.current()

    async def ranked(session: AsyncSession) -> list[Any]:
        caller = await reader_of(session, principal, cache, version)
        engine = engine_for(session.get_bind().dialect.name)
        return await engine.search(session, caller, terms, offset=offset, limit=limit + 1)

    # In the loop's thread on a SQLite file, within a budget: a search of a few dozen matches
    # takes a tenth of a millisecond there, less than the async driver's thread hops; a search
    # of common words in a large index would hold the loop, so past the budget it runs again
    # through the async driver, where it holds nobody.
    try:
        async with loop_reads.reading(uow, max_steps=SEARCH_STEPS) as session:
            rows = await ranked(session)
    except loop_reads.ReadTooLong:
        async with uow.reading() as tx:
            rows = await ranked(tx.session)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        schemas.SearchHit(
            kind="thread" if r.doc_id == r.thread_id else "post",
            thread_id=r.thread_id,
            post_id=None if r.doc_id == r.thread_id else r.doc_id,
            space_id=r.space_id,
            title=r.title,
            excerpt=excerpt(r.body),
            # The hit's place among what the caller may see, never the engine's score: bm25 is
            # computed over the whole index, so a raw score would tell whether documents the
            # caller cannot see contain the words (issue 9 §3).
            rank=offset + place,
        )
        for place, r in enumerate(rows, start=1)
    ]
    return schemas.SearchPage(items=items, next_cursor=encode_cursor({"o": offset + limit}) if more else None)
