"""Full-text search over threads and posts: one interface, an engine per database.

Both engines read the same ``search_docs`` rows (one per thread: title, body, tags; one per
post: its body) and filter by the caller's visibility *inside* the ranked query, so a page
of results never has holes and never counts what the caller may not see. SQLite uses an
FTS5 external-content index kept by triggers and ranks by bm25; PostgreSQL uses a weighted
``tsvector`` column with a GIN index and ranks by ``ts_rank``.
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.directory.caller import Caller
from peerlearn_forum.adapters.store.spaces import visible_spaces
from peerlearn_forum.adapters.store.tables import search_docs, spaces, threads


async def index_doc(
    session: AsyncSession,
    *,
    doc_id: str,
    thread_id: str,
    space_id: str,
    title: str,
    body: str,
    tags: list[str],
) -> None:
    """Add or replace the searchable text of a thread or post."""
    values = {"title": title, "body": body, "tags": " ".join(tags)}
    updated = await session.execute(
        sa.update(search_docs).where(search_docs.c.doc_id == doc_id).values(**values)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        await session.execute(
            sa.insert(search_docs).values(
                doc_id=doc_id, thread_id=thread_id, space_id=space_id, visible=True, **values
            )
        )


async def index_thread(session: AsyncSession, thread: Any) -> None:
    """Add or replace a thread's searchable text (its row: title, body and tags)."""
    await index_doc(
        session,
        doc_id=thread.id,
        thread_id=thread.id,
        space_id=thread.space_id,
        title=thread.title,
        body=thread.body,
        tags=list(thread.tags),
    )


async def index_post(
    session: AsyncSession, *, post_id: str, thread_id: str, space_id: str, body: str
) -> None:
    """Add or replace a post's searchable text (a post has a body only: no title, no tags)."""
    await index_doc(
        session, doc_id=post_id, thread_id=thread_id, space_id=space_id, title="", body=body, tags=[]
    )


async def set_visible(session: AsyncSession, doc_id: str, visible: bool) -> None:
    """Show or hide a document in search (a hidden or restored post)."""
    await session.execute(
        sa.update(search_docs).where(search_docs.c.doc_id == doc_id).values(visible=visible)
    )


async def drop_thread(session: AsyncSession, thread_id: str) -> None:
    """Take a thread and its posts out of search."""
    await session.execute(sa.delete(search_docs).where(search_docs.c.thread_id == thread_id))


async def drop_doc(session: AsyncSession, doc_id: str) -> None:
    """Take one thread or post out of search."""
    await session.execute(sa.delete(search_docs).where(search_docs.c.doc_id == doc_id))


class SearchEngine(Protocol):
    async def search(
        self, session: AsyncSession, caller: Caller, terms: list[str], *, offset: int, limit: int
    ) -> list[Any]:
        """Rows (doc_id, thread_id, space_id, title, body, rank) best first; rank: higher is better."""
        ...


def _base(rank: sa.ColumnElement[float]) -> sa.Select[Any]:
    return (
        sa.select(
            search_docs.c.doc_id,
            search_docs.c.thread_id,
            search_docs.c.space_id,
            threads.c.title,
            search_docs.c.body,
            rank.label("rank"),
        )
        .join(threads, threads.c.id == search_docs.c.thread_id)
        .join(spaces, spaces.c.id == search_docs.c.space_id)
    )


class Fts5Search:
    """SQLite: FTS5, bm25 with the title weighted above tags above body."""

    async def search(
        self, session: AsyncSession, caller: Caller, terms: list[str], *, offset: int, limit: int
    ) -> list[Any]:
        # Each word quoted: FTS5 query syntax in the caller's text is never interpreted.
        match = " ".join('"' + t.replace('"', "") + '"' for t in terms)
        fts = sa.table("search_fts", sa.column("rowid"))
        rank = sa.literal_column("-bm25(search_fts, 10.0, 1.0, 4.0)", sa.Float)
        query = (
            _base(rank)
            .join(fts, fts.c.rowid == search_docs.c.seq)
            .where(sa.text("search_fts MATCH :match").bindparams(match=match))
            .where(search_docs.c.visible.is_(True), visible_spaces(caller))
            .order_by(sa.desc("rank"), search_docs.c.doc_id)
            .offset(offset)
            .limit(limit)
        )
        return list((await session.execute(query)).all())


class TsvectorSearch:
    """PostgreSQL: the weighted tsvector (title A, tags B, body C), ts_rank."""

    async def search(
        self, session: AsyncSession, caller: Caller, terms: list[str], *, offset: int, limit: int
    ) -> list[Any]:
        tsquery = sa.func.plainto_tsquery(sa.literal_column("'english'"), " ".join(terms))
        tsv: sa.ColumnElement[Any] = sa.literal_column("search_docs.tsv")
        rank = sa.func.ts_rank(tsv, tsquery).cast(sa.Float)
        query = (
            _base(rank)
            .where(tsv.op("@@")(tsquery))
            .where(search_docs.c.visible.is_(True), visible_spaces(caller))
            .order_by(sa.desc("rank"), search_docs.c.doc_id)
            .offset(offset)
            .limit(limit)
        )
        return list((await session.execute(query)).all())


def engine_for(dialect: str) -> SearchEngine:
    """The search engine of a database dialect."""
    return Fts5Search() if dialect == "sqlite" else TsvectorSearch()
