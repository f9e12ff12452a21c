"""Votes: one per person and target, applied to the score atomically.

The score changes by the difference the vote row made (``UPDATE … SET score = score +
:delta``), in the transaction that wrote the vote row. The target's row is locked first
(PostgreSQL: a no-op update takes its row lock; SQLite: BEGIN IMMEDIATE already
serialises writers), so concurrent votes — even two by the same person — never lose or
double an update.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.adapters.store.tables import posts, threads, votes
from peerlearn_forum.domain.votes import vote_delta


def _table_of(target_is_thread: bool) -> sa.Table:
    return threads if target_is_thread else posts


async def cast_vote(
    session: AsyncSession, *, target_id: str, thread_id: str, voter_id: str, value: int, on_thread: bool
) -> tuple[int, int]:
    """Record ``voter_id``'s vote and return ``(delta, new score)``."""
    table = _table_of(on_thread)
    await session.execute(sa.update(table).where(table.c.id == target_id).values(score=table.c.score))
    previous = await session.scalar(
        sa.select(votes.c.value).where(votes.c.target_id == target_id, votes.c.voter_id == voter_id)
    )
    now = datetime.now(UTC)
    if previous is None:
        await session.execute(
            sa.insert(votes).values(
                target_id=target_id, voter_id=voter_id, thread_id=thread_id, value=value, voted_at=now
            )
        )
    elif previous != value:
        await session.execute(
            sa.update(votes)
            .where(votes.c.target_id == target_id, votes.c.voter_id == voter_id)
            .values(value=value, voted_at=now)
        )
    delta = vote_delta(previous, value)
    if delta:
        await session.execute(
            sa.update(table).where(table.c.id == target_id).values(score=table.c.score + delta)
        )
    score = await session.scalar(sa.select(table.c.score).where(table.c.id == target_id))
    return delta, int(score or 0)


async def retract_all_votes_of(session: AsyncSession, voter_id: str) -> None:
    """Remove every vote of a person, taking each back from its target's score."""
    rows = (
        await session.execute(
            sa.select(votes.c.target_id, votes.c.thread_id, votes.c.value).where(votes.c.voter_id == voter_id)
        )
    ).all()
    for row in rows:
        table = _table_of(row.target_id == row.thread_id)
        await session.execute(
            sa.update(table).where(table.c.id == row.target_id).values(score=table.c.score - row.value)
        )
    await session.execute(sa.delete(votes).where(votes.c.voter_id == voter_id))
