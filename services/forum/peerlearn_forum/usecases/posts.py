"""Posts on a thread, votes, and the accepted answer (with the reputation it earns)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events, outbox
from peerlearn_forum import schemas, views
from peerlearn_forum.access import post_locked_for, post_seen_by, require_person, thread_seen_by
from peerlearn_forum.domain import (
    ACCEPTED_ANSWER_POINTS,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Viewer,
    can_moderate,
)
from peerlearn_forum.models import reputation
from peerlearn_forum.store import posts as post_store
from peerlearn_forum.store import readmodel, search
from peerlearn_forum.store import spaces as space_store
from peerlearn_forum.store import threads as thread_store
from peerlearn_forum.store import votes as vote_store


async def create_post(
    session: AsyncSession, viewer: Viewer, thread_id: str, data: schemas.PostCreate
) -> schemas.Post:
    """Answer or reply on a thread the caller can see."""
    thread, space = await thread_seen_by(session, viewer, thread_id)
    author_id = require_person(viewer)
    now = datetime.now(UTC)
    post_id = events.new_id()
    await post_store.insert_post(
        session,
        id=post_id,
        thread_id=thread_id,
        author_id=author_id,
        body=data.body,
        score=0,
        status="visible",
        flag_count=0,
        created_at=now,
    )
    await thread_store.touch(session, thread_id, at=now, posts_delta=1)
    await search.index_doc(
        session, doc_id=post_id, thread_id=thread_id, space_id=space.id, title="", body=data.body, tags=[]
    )
    await outbox.record(
        session,
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
            org_id=space.org_id or viewer.org_id,
            actor_id=author_id,
        ),
    )
    post = await post_store.get_post(session, post_id)
    names = await readmodel.display_names(session, {author_id})
    return views.post(post, names, thread.accepted_post_id)


async def update_post(
    session: AsyncSession, viewer: Viewer, post_id: str, data: schemas.PostUpdate
) -> schemas.Post:
    """The author edits their post; ``edited_at`` says when."""
    post, thread, space = await post_seen_by(session, viewer, post_id)
    if post.author_id is None or post.author_id != viewer.person_id:
        raise Forbidden("only the author edits a post")
    await post_store.update_post(session, post_id, body=data.body, edited_at=datetime.now(UTC))
    await search.index_doc(
        session, doc_id=post_id, thread_id=thread.id, space_id=space.id, title="", body=data.body, tags=[]
    )
    await outbox.record(
        session,
        events.make_event(
            events.PostUpdated(post_id=post_id, thread_id=thread.id, body=data.body),
            org_id=space.org_id or viewer.org_id,
            actor_id=viewer.person_id,
        ),
    )
    post = await post_store.get_post(session, post_id)
    names = await readmodel.display_names(session, {post.author_id})
    return views.post(post, names, thread.accepted_post_id)


async def delete_post(session: AsyncSession, viewer: Viewer, post_id: str) -> None:
    """The author deletes their post (its text is dropped; the thread's activity stays)."""
    post, thread, space = await post_locked_for(session, viewer, post_id)
    if post.author_id is None or post.author_id != viewer.person_id:
        raise Forbidden("only the author deletes a post")
    await withdraw_post(session, post, thread, space, status="deleted", actor_id=viewer.person_id)


async def withdraw_post(
    session: AsyncSession, post: Any, thread: Any, space: Any, *, status: str, actor_id: str | None
) -> None:
    """Take a post out of the thread (deleted by its author or removed by a moderator).

    ``post`` and ``thread`` must have been read under their row locks (``post_locked_for``):
    whether the visible count drops, and whether acceptance goes, depends on their state now.
    """
    post_id = post.id
    await post_store.update_post(session, post_id, status=status, body="")
    if post.status == "visible":
        await thread_store.touch(session, thread.id, at=None, posts_delta=-1)
    await search.drop_doc(session, post_id)
    if thread.accepted_post_id == post_id:
        await thread_store.update_thread(session, thread.id, accepted_post_id=None)
        if post.author_id and post.author_id != thread.author_id:
            await _add_reputation(session, post.author_id, -ACCEPTED_ANSWER_POINTS)
    await outbox.record(
        session,
        events.make_event(
            events.PostDeleted(post_id=post_id, thread_id=thread.id),
            org_id=space.org_id,
            actor_id=actor_id,
        ),
    )


async def vote_post(session: AsyncSession, viewer: Viewer, post_id: str, value: int) -> schemas.VoteResult:
    """+1 or -1 on a post; a second vote replaces the first; voting on one's own post is refused."""
    post, thread, space = await post_seen_by(session, viewer, post_id)
    voter = require_person(viewer)
    if post.author_id == voter:
        raise Forbidden("you cannot vote on your own post")
    delta, score = await vote_store.cast_vote(
        session, target_id=post_id, thread_id=thread.id, voter_id=voter, value=value, on_thread=False
    )
    if delta:
        await _record_vote(session, space, thread.id, post_id, voter, post.author_id, value, score)
    return schemas.VoteResult(target_id=post_id, value=value, score=score)


async def vote_thread(
    session: AsyncSession, viewer: Viewer, thread_id: str, value: int
) -> schemas.VoteResult:
    """+1 or -1 on a thread itself (the ``top`` sort orders by it)."""
    thread, space = await thread_seen_by(session, viewer, thread_id)
    voter = require_person(viewer)
    if thread.author_id == voter:
        raise Forbidden("you cannot vote on your own thread")
    delta, score = await vote_store.cast_vote(
        session, target_id=thread_id, thread_id=thread_id, voter_id=voter, value=value, on_thread=True
    )
    if delta:
        await _record_vote(session, space, thread_id, None, voter, thread.author_id, value, score)
    return schemas.VoteResult(target_id=thread_id, value=value, score=score)


async def _record_vote(
    session: AsyncSession,
    space: Any,
    thread_id: str,
    post_id: str | None,
    voter: str,
    author_id: str | None,
    value: int,
    score: int,
) -> None:
    await outbox.record(
        session,
        events.make_event(
            events.PostVoted(
                thread_id=thread_id,
                post_id=post_id,
                voter_id=voter,
                author_id=author_id or "",
                value=value,
                score=score,
            ),
            org_id=space.org_id,
            actor_id=voter,
        ),
    )


async def _add_reputation(session: AsyncSession, person_id: str, points: int) -> int:
    updated = await session.execute(
        sa.update(reputation)
        .where(reputation.c.person_id == person_id)
        .values(points=reputation.c.points + points)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        await session.execute(sa.insert(reputation).values(person_id=person_id, points=points))
    return await reputation_of(session, person_id)


async def reputation_of(session: AsyncSession, person_id: str) -> int:
    points = await session.scalar(sa.select(reputation.c.points).where(reputation.c.person_id == person_id))
    return int(points or 0)


async def accept_answer(
    session: AsyncSession, viewer: Viewer, thread_id: str, post_id: str
) -> schemas.Acceptance:
    """The asker (or a moderator of the space) accepts a post of this question; re-accepting moves it."""
    thread, space = await thread_seen_by(session, viewer, thread_id)
    # The thread's row locked before reading which post is accepted: two acceptances at once
    # would otherwise both see the same previous post and both award the points. (Writers that
    # change a post of the thread lock the thread first too, so the post's status read below
    # is current.)
    thread = await thread_store.lock_thread(session, thread_id)
    if thread is None:
        raise NotFound(f"no thread {thread_id}")
    is_asker = thread.author_id is not None and thread.author_id == viewer.person_id
    if not is_asker and not can_moderate(viewer, space_store.space_ref(space)):
        raise Forbidden("only the asker or an admin of the space accepts an answer")
    if thread.kind != "question":
        raise Conflict(f"a {thread.kind} has no accepted answer; only questions do")
    try:
        post, _, _ = await post_seen_by(session, viewer, post_id)
    except NotFound:
        raise Invalid(f"post {post_id} is not an answer on this thread") from None
    if post.thread_id != thread_id or post.status != "visible":
        raise Invalid(f"post {post_id} is not an answer on this thread")
    previous_id = thread.accepted_post_id
    if previous_id == post_id:
        points = await reputation_of(session, post.author_id) if post.author_id else 0
        return schemas.Acceptance(
            thread_id=thread_id, accepted_post_id=post_id, answer_author_reputation=points
        )
    await thread_store.update_thread(session, thread_id, accepted_post_id=post_id)
    if previous_id:
        previous = await post_store.get_post(session, previous_id)
        if previous is not None and previous.author_id and previous.author_id != thread.author_id:
            await _add_reputation(session, previous.author_id, -ACCEPTED_ANSWER_POINTS)
    points = 0
    if post.author_id:
        earned = ACCEPTED_ANSWER_POINTS if post.author_id != thread.author_id else 0
        points = await _add_reputation(session, post.author_id, earned)
    await outbox.record(
        session,
        events.make_event(
            events.AnswerAccepted(
                thread_id=thread_id,
                post_id=post_id,
                answer_author_id=post.author_id or "",
                asker_id=thread.author_id or "",
                space_id=space.id,
                visibility=space.visibility,
                org_id=space.org_id,
                cohort_id=space.cohort_id,
                title=thread.title,
                tags=list(thread.tags),
                reputation=points,
                previous_post_id=previous_id,
            ),
            org_id=space.org_id or viewer.org_id,
            actor_id=viewer.person_id,
        ),
    )
    return schemas.Acceptance(thread_id=thread_id, accepted_post_id=post_id, answer_author_reputation=points)
