"""A person as the forum shows them: display name and reputation, to those who may see them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum import schemas
from peerlearn_forum.answers import reputation_of
from peerlearn_forum.domain import NotFound, Viewer
from peerlearn_forum.models import cohort_members, people


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
    return schemas.PersonCard(
        person_id=row.id, display_name=row.display_name, reputation=await reputation_of(session, row.id)
    )


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
