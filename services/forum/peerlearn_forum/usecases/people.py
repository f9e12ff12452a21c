"""A person as the forum shows them: display name and reputation, to those who may see them
(reputation counted only over the spaces the viewer may see)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum import schemas
from peerlearn_forum.answers import reputation_of
from peerlearn_forum.domain import ACCEPTED_ANSWER_POINTS, NotFound, Viewer
from peerlearn_forum.models import cohort_members, people, posts, spaces, threads
from peerlearn_forum.store.spaces import visible_spaces


async def person_card(session: AsyncSession, viewer: Viewer, person_id: str) -> schemas.PersonCard:
    """Themselves, people of their org and of cohorts they share; 404 for anyone else or unknown."""
    if not schemas.is_id(person_id):
        raise NotFound(f"no person {person_id!r}")
    row = (
        await session.execute(
            sa.select(people.c.id, people.c.org_id, people.c.display_name).where(
                people.c.id == person_id, people.c.erased.is_(False)
            )
        )
    ).first()
    if row is None or not await _may_see(session, viewer, row.id, row.org_id):
        raise NotFound(f"no person {person_id}")
    if viewer.platform_admin or viewer.person_id == row.id:
        points = await reputation_of(session, row.id)
    else:
        points = await _reputation_seen_by(session, viewer, row.id)
    return schemas.PersonCard(person_id=row.id, display_name=row.display_name, reputation=points)


async def _reputation_seen_by(session: AsyncSession, viewer: Viewer, person_id: str) -> int:
    """The points of the person's accepted answers in spaces the viewer may see.

    The stored total also counts answers in spaces the viewer may not see (another org's, a
    cohort they are not in): showing it would tell them those answers exist (DESIGN §6: "not
    through counts"). So others see the points earned where they can look; the person
    themselves and the platform admin see the total.
    """
    accepted = await session.scalar(
        sa.select(sa.func.count())
        .select_from(threads)
        .join(posts, posts.c.id == threads.c.accepted_post_id)
        .join(spaces, spaces.c.id == threads.c.space_id)
        .where(
            posts.c.author_id == person_id,
            sa.or_(threads.c.author_id.is_(None), threads.c.author_id != person_id),
            visible_spaces(viewer),
        )
    )
    return int(accepted or 0) * ACCEPTED_ANSWER_POINTS


async def _may_see(session: AsyncSession, viewer: Viewer, person_id: str, org_id: str) -> bool:
    if viewer.platform_admin or viewer.person_id == person_id:
        return True
    if viewer.person_id is None:
        return False
    if org_id == viewer.org_id:
        return True
    if not viewer.cohort_ids:
        return False
    shared = await session.scalar(
        sa.select(cohort_members.c.cohort_id)
        .where(
            cohort_members.c.person_id == person_id,
            cohort_members.c.active.is_(True),
            cohort_members.c.cohort_id.in_(sorted(viewer.cohort_ids)),
        )
        .limit(1)
    )
    return shared is not None
