"""Threads: asking, sharing a resource, listing a space, reading a thread, editing, deleting."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, may_moderate
from peerlearn.errors import Forbidden, Invalid
from peerlearn.loop_reads import reading
from peerlearn.read_cache import read_cache_for
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_forum.adapters.store import posts as post_store
from peerlearn_forum.adapters.store import search
from peerlearn_forum.adapters.store import spaces as space_store
from peerlearn_forum.adapters.store import threads as thread_store
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.domain.cursors import (
    BAD_CURSOR,
    INT32,
    cursor_id,
    cursor_int,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from peerlearn_forum.domain.posting import PostingWindow, counted_post
from peerlearn_forum.domain.spaces import where_of
from peerlearn_forum.domain.text import normalise_tags
from peerlearn_forum.http import schemas, views
from peerlearn_forum.usecases.access import (
    caller_of,
    reader_of,
    require_person,
    space_seen_by,
    thread_read_by,
    thread_seen_by,
)
from peerlearn_forum.usecases.suggestions import suggestions_seen_by

SORTS = ("active", "new", "top")


def snapshot(cls: type[events.ThreadSnapshot], thread: Any, space: Any) -> events.ThreadSnapshot:
    """A thread as consumers need it, with where it lives."""
    return cls(
        thread_id=thread.id,
        space_id=space.id,
        visibility=space.visibility,
        org_id=space.org_id,
        cohort_id=space.cohort_id,
        author_id=thread.author_id or "",
        kind=thread.kind,
        title=thread.title,
        body=thread.body,
        tags=list(thread.tags),
        url=thread.url,
        accepted_post_id=thread.accepted_post_id,
        created_at=thread.created_at,
    )


async def create_thread(
    uow: UnitOfWork,
    principal: Principal | None,
    posting: PostingWindow,
    space_id: str,
    data: schemas.ThreadCreate,
) -> schemas.Thread:
    """Open a question, discussion or resource in a space the caller can see (counts as a post)."""
    async with counted_post(posting, principal.person_id if principal else None), uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        space = await space_seen_by(tx.session, caller, space_id)
        author_id = require_person(caller)
        if data.kind == "resource" and not data.url:
            raise Invalid("a resource needs a url (the link or the video)")
        now = datetime.now(UTC)
        tags = normalise_tags(data.tags)
        thread_id = events.new_id()
        await thread_store.insert_thread(
            tx.session,
            tags=tags,
            id=thread_id,
            space_id=space.id,
            author_id=author_id,
            kind=data.kind,
            title=data.title.strip(),
            body=data.body,
            url=data.url,
            accepted_post_id=None,
            score=0,
            post_count=0,
            created_at=now,
            last_activity_at=now,
        )
        await space_store.add_threads(tx.session, space.id, 1)
        thread = await _written(tx, caller, space, thread_id, events.ThreadCreated)
        names = await DIRECTORY.display_names(tx.session, {author_id})
        return views.thread(thread, names, [], None, [], [])


async def _written(
    tx: Transaction, caller: Caller, space: Any, thread_id: str, event: type[events.ThreadSnapshot]
) -> Any:
    """The thread as the caller just wrote it, read back: indexed for search, and ``event``
    (created or updated) recorded with its snapshot."""
    thread = await thread_store.get_thread(tx.session, thread_id)
    await search.index_thread(tx.session, thread)
    await tx.record(
        events.make_event(
            snapshot(event, thread, space), org_id=space.org_id or caller.org_id, actor_id=caller.person_id
        )
    )
    return thread


async def update_thread(
    uow: UnitOfWork, principal: Principal | None, thread_id: str, data: schemas.ThreadUpdate
) -> schemas.Thread:
    """The author edits title, body, tags or url."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        thread, space = await thread_seen_by(tx.session, caller, thread_id)
        if thread.author_id is None or thread.author_id != caller.person_id:
            raise Forbidden("only the author edits a thread")
        values: dict[str, Any] = {}
        if data.title is not None:
            values["title"] = data.title.strip()
        if data.body is not None:
            values["body"] = data.body
        if data.tags is not None:
            values["tags"] = normalise_tags(data.tags)
        if data.url is not None:
            values["url"] = data.url
        if values:
            values["edited_at"] = datetime.now(UTC)
            await thread_store.update_thread(tx.session, thread_id, **values)
            thread = await _written(tx, caller, space, thread_id, events.ThreadUpdated)
        return await _thread_view(tx.session, caller, thread_id, cursor=None, limit=50)


async def delete_thread(uow: UnitOfWork, principal: Principal | None, thread_id: str) -> None:
    """The author or a moderator of the space deletes a thread and everything in it."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        thread, space = await thread_seen_by(tx.session, caller, thread_id)
        is_author = thread.author_id is not None and thread.author_id == caller.person_id
        if not is_author and not may_moderate(caller, where_of(space)):
            raise Forbidden("only the author or a moderator deletes a thread")
        await search.drop_thread(tx.session, thread_id)
        await thread_store.delete_thread(tx.session, thread_id)
        await space_store.add_threads(tx.session, space.id, -1)
        await tx.record(
            events.make_event(
                events.ThreadDeleted(thread_id=thread_id, space_id=space.id),
                org_id=space.org_id or caller.org_id,
                actor_id=caller.person_id,
            )
        )


def _parse_cursor(cursor: str, sort: str) -> tuple[datetime, tuple[Any, str]]:
    values = decode_cursor(cursor)
    if values.get("s") != sort:
        if values.get("s") in SORTS:
            raise Invalid("the cursor belongs to another sort order; start again without it")
        raise Invalid(BAD_CURSOR)
    as_of = cursor_time(values, "as_of")
    key: Any = (
        cursor_int(values, "k", low=INT32[0], high=INT32[1]) if sort == "top" else cursor_time(values, "k")
    )
    return as_of, (key, cursor_id(values, "id"))


def _key_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def list_threads(
    uow: UnitOfWork,
    principal: Principal | None,
    space_id: str,
    *,
    sort: str,
    tag: str | None,
    kind: str | None,
    cursor: str | None,
    limit: int,
    version: int | None = None,
) -> schemas.ThreadPage:
    """A page of a space's threads; pages after the first are as of the first (stable).

    ``version`` is the content version the caller read already (``adapters.read_cache``).
    """
    cache = read_cache_for(uow.database)
    version = await cache.current() if version is None else version
    async with reading(uow) as session:
        caller = await reader_of(session, principal, cache, version)
        await space_seen_by(session, caller, space_id)
        as_of, after = _parse_cursor(cursor, sort) if cursor else (datetime.now(UTC), None)
        rows = await thread_store.list_threads(
            session,
            space_id,
            sort=sort,
            as_of=as_of,
            tag=tag.lower() if tag else None,
            kind=kind,
            after=after,
            limit=limit,
        )
        more = len(rows) > limit
        rows = rows[:limit]
    names = _names_of(rows)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor(
            {"s": sort, "as_of": as_of.isoformat(), "k": _key_text(last.sort_key), "id": last.id}
        )
    return schemas.ThreadPage(items=[views.thread_summary(r, names) for r in rows], next_cursor=next_cursor)


def _names_of(rows: Any) -> dict[str, str]:
    """The authors' names that came with ``rows`` (``author_name``; erased and unknown have none)."""
    return {r.author_id: r.author_name for r in rows if r.author_id and r.author_name is not None}


async def thread_view(
    uow: UnitOfWork,
    principal: Principal | None,
    thread_id: str,
    *,
    cursor: str | None,
    limit: int,
    version: int | None = None,
) -> schemas.Thread:
    """A thread with a page of its posts and what the matcher suggested for it (filtered).

    Three queries when nothing is suggested for it: the thread with its space, author and
    suggestions; its posts with their authors; the caller, unless remembered for ``version``
    (the content version the caller read already, ``adapters.read_cache``).
    """
    cache = read_cache_for(uow.database)
    version = await cache.current() if version is None else version
    async with reading(uow) as session:
        caller = await reader_of(session, principal, cache, version)
        return await _thread_view(session, caller, thread_id, cursor=cursor, limit=limit)


async def _thread_view(
    session: AsyncSession, caller: Caller, thread_id: str, *, cursor: str | None, limit: int
) -> schemas.Thread:
    thread, space = await thread_read_by(session, caller, thread_id)
    moderator = may_moderate(caller, where_of(space))
    statuses = post_store.SHOWN_TO_MODERATORS if moderator else post_store.SHOWN
    after = None
    if cursor:
        values = decode_cursor(cursor)
        after = (cursor_time(values, "c"), cursor_id(values, "id"))
    rows = await post_store.list_posts(session, thread_id, statuses=statuses, after=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({"c": rows[-1].created_at.isoformat(), "id": rows[-1].id}) if more else None
    answerers, related = await suggestions_seen_by(session, caller, thread_id, thread.suggestions)
    names = _names_of([thread, *rows])
    posts = [views.post(r, names, thread.accepted_post_id) for r in rows]
    return views.thread(thread, names, posts, next_cursor, answerers, related)
