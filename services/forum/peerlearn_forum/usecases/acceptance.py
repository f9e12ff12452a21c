"""Accepting an answer, and the reputation it moves."""

from __future__ import annotations

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.caller import may_moderate
from peerlearn.errors import Conflict, Forbidden, Invalid, NotFound
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.store import posts as post_store
from peerlearn_forum.adapters.store import reputation
from peerlearn_forum.adapters.store import threads as thread_store
from peerlearn_forum.domain.reputation import points_for_acceptance
from peerlearn_forum.domain.spaces import where_of
from peerlearn_forum.http import schemas
from peerlearn_forum.usecases.access import caller_of, post_seen_by, thread_seen_by


async def accept_answer(
    uow: UnitOfWork, principal: Principal | None, thread_id: str, post_id: str
) -> schemas.Acceptance:
    """The asker (or a moderator of the space) accepts a post of this question; re-accepting moves it."""
    async with uow.writing() as tx:
        session = tx.session
        caller = await caller_of(session, principal)
        _, space = await thread_seen_by(session, caller, thread_id)
        # The thread's row locked before reading which post is accepted: two acceptances at
        # once would otherwise both see the same previous post and both award the points.
        # (Writers that change a post of the thread lock the thread first too, so the post's
        # status read below is current.)
        thread = await thread_store.lock_thread(session, thread_id)
        if thread is None:
            raise NotFound(f"no thread {thread_id}")
        is_asker = thread.author_id is not None and thread.author_id == caller.person_id
        if not is_asker and not may_moderate(caller, where_of(space)):
            raise Forbidden("only the asker or an admin of the space accepts an answer")
        if thread.kind != "question":
            raise Conflict(f"a {thread.kind} has no accepted answer; only questions do")
        try:
            post, _, _ = await post_seen_by(session, caller, post_id)
        except NotFound:
            raise Invalid(f"post {post_id} is not an answer on this thread") from None
        if post.thread_id != thread_id or post.status != "visible":
            raise Invalid(f"post {post_id} is not an answer on this thread")
        previous_id = thread.accepted_post_id
        if previous_id != post_id:
            await thread_store.update_thread(session, thread_id, accepted_post_id=post_id)
            if previous_id:
                previous = await post_store.get_post(session, previous_id)
                lost = points_for_acceptance(previous.author_id, thread.author_id) if previous else 0
                if lost:
                    await reputation.add_points(session, previous.author_id, -lost)
            earned = points_for_acceptance(post.author_id, thread.author_id)
            if earned:
                await reputation.add_points(session, post.author_id, earned)
            total = await reputation.total_of(session, post.author_id) if post.author_id else 0
            await tx.record(
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
                        reputation=total,
                        previous_post_id=previous_id,
                    ),
                    org_id=space.org_id or caller.org_id,
                    actor_id=caller.person_id,
                )
            )
        # What the caller would see on the person's card: the total may count answers in spaces
        # hidden from them (issue 9 §3). The event above carries the total, for services.
        points = await reputation.seen_by(session, caller, post.author_id) if post.author_id else 0
    return schemas.Acceptance(thread_id=thread_id, accepted_post_id=post_id, answer_author_reputation=points)
