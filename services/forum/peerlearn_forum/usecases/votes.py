"""Votes on posts and threads: +1 or -1, a second vote replaces the first, never on one's own."""

from __future__ import annotations

from typing import Any

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_forum.adapters.store import votes as vote_store
from peerlearn_forum.http import schemas
from peerlearn_forum.usecases.access import caller_of, post_seen_by, require_other_than, thread_seen_by


async def vote_post(
    uow: UnitOfWork, principal: Principal | None, post_id: str, value: int
) -> schemas.VoteResult:
    """+1 or -1 on a post; voting on one's own post is refused."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        post, thread, space = await post_seen_by(tx.session, caller, post_id)
        voter = require_other_than(caller, post.author_id, "you cannot vote on your own post")
        delta, score = await vote_store.cast_vote(
            tx.session, target_id=post_id, thread_id=thread.id, voter_id=voter, value=value, on_thread=False
        )
        if delta:
            await _record_vote(tx, space, thread.id, post_id, voter, post.author_id, value, score)
    return schemas.VoteResult(target_id=post_id, value=value, score=score)


async def vote_thread(
    uow: UnitOfWork, principal: Principal | None, thread_id: str, value: int
) -> schemas.VoteResult:
    """+1 or -1 on a thread itself (the ``top`` sort orders by it)."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        thread, space = await thread_seen_by(tx.session, caller, thread_id)
        voter = require_other_than(caller, thread.author_id, "you cannot vote on your own thread")
        delta, score = await vote_store.cast_vote(
            tx.session, target_id=thread_id, thread_id=thread_id, voter_id=voter, value=value, on_thread=True
        )
        if delta:
            await _record_vote(tx, space, thread_id, None, voter, thread.author_id, value, score)
    return schemas.VoteResult(target_id=thread_id, value=value, score=score)


async def _record_vote(
    tx: Transaction,
    space: Any,
    thread_id: str,
    post_id: str | None,
    voter: str,
    author_id: str | None,
    value: int,
    score: int,
) -> None:
    await tx.record(
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
        )
    )
