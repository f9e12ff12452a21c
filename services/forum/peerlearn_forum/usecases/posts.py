"""Posts on a thread: answering, editing, deleting (and a moderator's removal, shared here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.errors import Forbidden
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_forum.adapters.store import posts as post_store
from peerlearn_forum.adapters.store import reputation, search
from peerlearn_forum.adapters.store import threads as thread_store
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.domain.posting import PostingWindow, counted_post
from peerlearn_forum.domain.reputation import points_for_acceptance
from peerlearn_forum.http import schemas, views
from peerlearn_forum.usecases.access import (
    caller_of,
    post_locked_for,
    post_seen_by,
    require_person,
    thread_seen_by,
)


async def create_post(
    uow: UnitOfWork,
    principal: Principal | None,
    posting: PostingWindow,
    thread_id: str,
    data: schemas.PostCreate,
) -> schemas.Post:
    """Answer or reply on a thread the caller can see (counts toward the posting limit)."""
    async with counted_post(posting, principal.person_id if principal else None), uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        thread, space = await thread_seen_by(tx.session, caller, thread_id)
        author_id = require_person(caller)
        now = datetime.now(UTC)
        post_id = events.new_id()
        await post_store.insert_post(
            tx.session,
            id=post_id,
            thread_id=thread_id,
            author_id=author_id,
            body=data.body,
            score=0,
            status="visible",
            flag_count=0,
            created_at=now,
        )
        await thread_store.touch(tx.session, thread_id, at=now, posts_delta=1)
        await search.index_post(
            tx.session, post_id=post_id, thread_id=thread_id, space_id=space.id, body=data.body
        )
        await tx.record(
            events.make_event(
                events.PostCreated(
                    post_id=post_id,
                    thread_id=thread_id,
                    thread_title=thread.title,
                    body=data.body,
                    tags=list(thread.tags),
                    space_id=space.id,
                    visibility=space.visibility,
                    org_id=space.org_id,
                    cohort_id=space.cohort_id,
                    author_id=author_id,
                    asker_id=thread.author_id,
                ),
                org_id=space.org_id or caller.org_id,
                actor_id=author_id,
            )
        )
        return await shown_post(tx.session, post_id, thread.accepted_post_id)


async def update_post(
    uow: UnitOfWork, principal: Principal | None, post_id: str, data: schemas.PostUpdate
) -> schemas.Post:
    """The author edits their post; ``edited_at`` says when."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        post, thread, space = await post_seen_by(tx.session, caller, post_id)
        if post.author_id is None or post.author_id != caller.person_id:
            raise Forbidden("only the author edits a post")
        await post_store.update_post(tx.session, post_id, body=data.body, edited_at=datetime.now(UTC))
        await search.index_post(
            tx.session, post_id=post_id, thread_id=thread.id, space_id=space.id, body=data.body
        )
        await tx.record(
            events.make_event(
                events.PostUpdated(post_id=post_id, thread_id=thread.id, body=data.body),
                org_id=space.org_id or caller.org_id,
                actor_id=caller.person_id,
            )
        )
        return await shown_post(tx.session, post_id, thread.accepted_post_id)


async def shown_post(session: AsyncSession, post_id: str, accepted_post_id: str | None) -> schemas.Post:
    """A post as it is shown after a change to it: read back from the store, with its author's name."""
    row = await post_store.get_post(session, post_id)
    names = await DIRECTORY.display_names(session, {row.author_id})
    return views.post(row, names, accepted_post_id)


async def delete_post(uow: UnitOfWork, principal: Principal | None, post_id: str) -> None:
    """The author deletes their post (its text is dropped; the thread's activity stays)."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        post, thread, space = await post_locked_for(tx.session, caller, post_id)
        if post.author_id is None or post.author_id != caller.person_id:
            raise Forbidden("only the author deletes a post")
        await withdraw_post(tx, post, thread, space, status="deleted", actor_id=caller.person_id)


async def withdraw_post(
    tx: Transaction, post: Any, thread: Any, space: Any, *, status: str, actor_id: str | None
) -> None:
    """Take a post out of the thread (deleted by its author or removed by a moderator).

    ``post`` and ``thread`` must have been read under their row locks (``post_locked_for``):
    whether the visible count drops, and whether acceptance goes, depends on their state now.
    """
    session = tx.session
    await post_store.update_post(session, post.id, status=status, body="")
    if post.status == "visible":
        await thread_store.touch(session, thread.id, at=None, posts_delta=-1)
    await search.drop_doc(session, post.id)
    if thread.accepted_post_id == post.id:
        await thread_store.update_thread(session, thread.id, accepted_post_id=None)
        earned = points_for_acceptance(post.author_id, thread.author_id)
        if earned:
            await reputation.add_points(session, post.author_id, -earned)
    await tx.record(
        events.make_event(
            events.PostDeleted(post_id=post.id, thread_id=thread.id), org_id=space.org_id, actor_id=actor_id
        )
    )
