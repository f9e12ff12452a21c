"""Threads and their tags; listing by activity, creation or score with stable keyset cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.adapters.store.tables import (
    people,
    posts,
    spaces,
    thread_suggestions,
    thread_tags,
    threads,
)

# The author's name beside a thread or post: None when erased or not known (yet).
_author = people.alias("author")
_author_join = sa.and_(_author.c.id == threads.c.author_id, _author.c.erased.is_(False))


async def insert_thread(session: AsyncSession, *, tags: list[str], **values: Any) -> None:
    """Store a new thread and its tags."""
    await session.execute(sa.insert(threads).values(tags=tags, **values))
    if tags:
        await session.execute(sa.insert(thread_tags), [{"thread_id": values["id"], "tag": t} for t in tags])


async def get_thread(session: AsyncSession, thread_id: str) -> Any:
    """The thread's row, or None."""
    return (await session.execute(sa.select(threads).where(threads.c.id == thread_id))).first()


# Built once: a statement's cache key is computed once per object, and building it per request
# (the joins, the labels) cost as much as running it (a profile of the thread view).
_THREAD_FOR_READING = (
    sa.select(
        threads,
        spaces.c.visibility.label("space_visibility"),
        spaces.c.org_id.label("space_org_id"),
        spaces.c.cohort_id.label("space_cohort_id"),
        _author.c.display_name.label("author_name"),
        thread_suggestions.c.payload.label("suggestions"),
    )
    .join(spaces, spaces.c.id == threads.c.space_id)
    .outerjoin(_author, _author_join)
    .outerjoin(thread_suggestions, thread_suggestions.c.thread_id == threads.c.id)
    .where(threads.c.id == sa.bindparam("thread_id"))
)


async def thread_for_reading(session: AsyncSession, thread_id: str) -> Any:
    """In one query: the thread's row with where its space lives (``space_visibility``,
    ``space_org_id``, ``space_cohort_id``), its author's name (``author_name``) and the
    matcher's stored suggestions (``suggestions``); None when there is no such thread."""
    return (await session.execute(_THREAD_FOR_READING, {"thread_id": thread_id})).first()


async def lock_thread(session: AsyncSession, thread_id: str) -> Any:
    """The thread as it is now, its row locked until the transaction ends (see ``posts.lock_post``).

    Writers that change a thread and one of its posts lock the thread first, then the post,
    so two of them never wait on each other in opposite orders.
    """
    return (
        await session.execute(sa.select(threads).where(threads.c.id == thread_id).with_for_update())
    ).first()


async def update_thread(session: AsyncSession, thread_id: str, **values: Any) -> None:
    """Change a thread (its tags too, when given)."""
    await session.execute(sa.update(threads).where(threads.c.id == thread_id).values(**values))
    if "tags" in values:
        await session.execute(sa.delete(thread_tags).where(thread_tags.c.thread_id == thread_id))
        if values["tags"]:
            await session.execute(
                sa.insert(thread_tags), [{"thread_id": thread_id, "tag": t} for t in values["tags"]]
            )


async def delete_thread(session: AsyncSession, thread_id: str) -> None:
    """Delete a thread with its posts, votes, flags and tags (foreign keys cascade)."""
    from peerlearn_forum.adapters.store.tables import flags, votes

    post_ids = sa.select(posts.c.id).where(posts.c.thread_id == thread_id)
    await session.execute(sa.delete(flags).where(flags.c.post_id.in_(post_ids)))
    await session.execute(sa.delete(votes).where(votes.c.thread_id == thread_id))
    await session.execute(sa.delete(posts).where(posts.c.thread_id == thread_id))
    await session.execute(sa.delete(thread_tags).where(thread_tags.c.thread_id == thread_id))
    await session.execute(sa.delete(threads).where(threads.c.id == thread_id))


async def touch(session: AsyncSession, thread_id: str, *, at: datetime | None, posts_delta: int) -> None:
    """A post arrived (``at``) or left: keep last activity and the visible post count current."""
    values: dict[str, Any] = {"post_count": threads.c.post_count + posts_delta}
    if at is not None:
        values["last_activity_at"] = at
    await session.execute(sa.update(threads).where(threads.c.id == thread_id).values(**values))


def sort_key(sort: str, as_of: datetime) -> sa.ColumnElement[Any]:
    """The column a listing sorts by.

    ``active`` is the last activity *as of the first page*: the latest post created up to
    ``as_of``, else the thread's creation. Posts never change their creation time, so a
    thread that gets a new answer while a client pages through keeps its place in that
    client's listing (it moves to the top on the next first page) — no thread is skipped
    or shown twice.
    """
    if sort == "new":
        return threads.c.created_at
    if sort == "top":
        return threads.c.score
    latest_post = (
        sa.select(sa.func.max(posts.c.created_at))
        .where(posts.c.thread_id == threads.c.id, posts.c.created_at <= as_of)
        .scalar_subquery()
    )
    return sa.func.coalesce(latest_post, threads.c.created_at)


async def list_threads(
    session: AsyncSession,
    space_id: str,
    *,
    sort: str,
    as_of: datetime,
    tag: str | None,
    kind: str | None,
    after: tuple[Any, str] | None,
    limit: int,
) -> list[Any]:
    """One page of a space's threads created up to ``as_of``, ``limit`` + 1 rows, each with its
    author's name (``author_name``, None when erased or unknown)."""
    key = sort_key(sort, as_of).label("sort_key")
    query = (
        sa.select(threads, key, _author.c.display_name.label("author_name"))
        .outerjoin(_author, _author_join)
        .where(threads.c.space_id == space_id, threads.c.created_at <= as_of)
    )
    if tag:
        query = query.where(
            threads.c.id.in_(sa.select(thread_tags.c.thread_id).where(thread_tags.c.tag == tag))
        )
    if kind:
        query = query.where(threads.c.kind == kind)
    if after is not None:
        value, last_id = after
        expression = sort_key(sort, as_of)
        query = query.where(sa.or_(expression < value, sa.and_(expression == value, threads.c.id < last_id)))
    query = query.order_by(sa.desc(key), threads.c.id.desc()).limit(limit + 1)
    return list((await session.execute(query)).all())
