"""Search over what the caller may see."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum import schemas
from peerlearn_forum.domain import (
    MAX_CURSOR_OFFSET,
    Invalid,
    Viewer,
    cursor_int,
    decode_cursor,
    encode_cursor,
    excerpt,
    search_terms,
)
from peerlearn_forum.store.search import engine_for


async def search(
    session: AsyncSession, viewer: Viewer, query: str, *, cursor: str | None, limit: int
) -> schemas.SearchPage:
    """Threads and posts matching every word of ``query``, best first, only from visible spaces."""
    terms = search_terms(query)
    if not terms:
        raise Invalid("the query has no words to search for")
    offset = 0
    if cursor:
        offset = cursor_int(decode_cursor(cursor), "o", low=0, high=MAX_CURSOR_OFFSET)
    engine = engine_for(session.get_bind().dialect.name)
    rows = await engine.search(session, viewer, terms, offset=offset, limit=limit + 1)
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
            rank=round(float(r.rank), 6),
        )
        for r in rows
    ]
    return schemas.SearchPage(items=items, next_cursor=encode_cursor({"o": offset + limit}) if more else None)
