"""Reputation: the stored total per person, and the part of it a caller may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.directory.caller import Caller
from peerlearn_forum.adapters.store.spaces import visible_spaces
from peerlearn_forum.adapters.store.tables import posts, reputation, spaces, threads
from peerlearn_forum.domain.reputation import ACCEPTED_ANSWER_POINTS


async def add_points(session: AsyncSession, person_id: str, points: int) -> None:
    """Add (or, negative, take back) points of a person's total."""
    updated = await session.execute(
        sa.update(reputation)
        .where(reputation.c.person_id == person_id)
        .values(points=reputation.c.points + points)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        await session.execute(sa.insert(reputation).values(person_id=person_id, points=points))


async def total_of(session: AsyncSession, person_id: str) -> int:
    """A person's stored total, over every space."""
    points = await session.scalar(sa.select(reputation.c.points).where(reputation.c.person_id == person_id))
    return int(points or 0)


async def seen_by(session: AsyncSession, caller: Caller, person_id: str) -> int:
    """The points of the person's accepted answers in spaces ``caller`` may see.

    The stored total also counts answers in spaces the caller may not see (another org's, a
    cohort they are not in): showing it would tell them those answers exist (DESIGN §6: "not
    through counts"). For the person themselves and the platform admin it is the total.
    """
    if caller.platform_admin or caller.person_id == person_id:
        return await total_of(session, person_id)
    accepted = await session.scalar(
        sa.select(sa.func.count())
        .select_from(threads)
        .join(posts, posts.c.id == threads.c.accepted_post_id)
        .join(spaces, spaces.c.id == threads.c.space_id)
        .where(
            posts.c.author_id == person_id,
            sa.or_(threads.c.author_id.is_(None), threads.c.author_id != person_id),
            visible_spaces(caller),
        )
    )
    return int(accepted or 0) * ACCEPTED_ANSWER_POINTS
