"""How many times each question was routed, and when last: what follow-through needs.

A question is *routed* when its first answerers are chosen (round 0). If nobody but its asker
has answered it ``escalate_after`` later, it is routed again to the next candidates (round 1,
then round 2 at most): :mod:`peerlearn_matcher.usecases.follow_through`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.adapters.store import insert_into


async def routed(
    session: AsyncSession, thread_id: str, at: datetime, *, asked_after: datetime, rounds: int
) -> None:
    """Remember that ``thread_id`` got its first answerers at ``at`` (a later re-route keeps it).

    A question asked before ``asked_after`` (or at a time never recorded) when it is first routed
    here — an old question met by a new matcher, or by a rebuild — starts with all ``rounds``
    used: follow-through is for questions that are waiting now, not a wave of mail about old ones.
    """
    table, threads = m.routing_rounds, m.threads
    if await session.scalar(sa.select(table.c.rounds).where(table.c.thread_id == thread_id)) is not None:
        return
    asked = await session.scalar(sa.select(threads.c.created_at).where(threads.c.id == thread_id))
    fresh = asked is not None and _utc(asked) >= asked_after
    # Two replicas may route the same new question at once: the first row stands, the other
    # insert does nothing (a plain insert would fail the whole event's transaction).
    await session.execute(
        insert_into(session, table)
        .values(thread_id=thread_id, rounds=0 if fresh else rounds, routed_at=at)
        .on_conflict_do_nothing(index_elements=["thread_id"])
    )


def _utc(moment: datetime) -> datetime:
    # SQLite gives back naive times for timezone-aware columns (they are stored in UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def rounds_of(session: AsyncSession, thread_id: str) -> int:
    """How many times ``thread_id`` was routed again (0 when never, or not routed yet)."""
    table = m.routing_rounds
    found = await session.scalar(sa.select(table.c.rounds).where(table.c.thread_id == thread_id))
    return int(found or 0)


async def due(session: AsyncSession, before: datetime, max_rounds: int, *, limit: int) -> list[str]:
    """Up to ``limit`` questions last routed before ``before``, routed again fewer than
    ``max_rounds`` times, still without an accepted answer and without any answer from someone
    other than their asker; the longest waiting first."""
    rounds, threads, posts = m.routing_rounds, m.threads, m.posts
    answered = (
        sa.select(posts.c.id)
        .where(posts.c.thread_id == rounds.c.thread_id, posts.c.author_id != threads.c.author_id)
        .exists()
    )
    query = (
        sa.select(rounds.c.thread_id)
        .join(threads, threads.c.id == rounds.c.thread_id)
        .where(
            rounds.c.rounds < max_rounds,
            rounds.c.routed_at <= before,
            threads.c.kind == "question",
            threads.c.accepted_post_id.is_(None),
            ~answered,
        )
        .order_by(rounds.c.routed_at, rounds.c.thread_id)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def claim_round(
    session: AsyncSession, thread_id: str, at: datetime, *, before: datetime, max_rounds: int
) -> bool:
    """Count one more routing of ``thread_id`` at ``at`` if it is still due (last routed before
    ``before``, fewer than ``max_rounds``); False when another process claimed it first.

    The condition is in the UPDATE itself: two replicas that found the same question due both
    try, the second waits for the first's row lock and then matches no row, so a round is never
    counted (or announced) twice.
    """
    table = m.routing_rounds
    result = await session.execute(
        sa.update(table)
        .where(table.c.thread_id == thread_id, table.c.routed_at <= before, table.c.rounds < max_rounds)
        .values(rounds=table.c.rounds + 1, routed_at=at)
    )
    return bool(getattr(result, "rowcount", 0))
