"""People as the forum shows them: what the directory knows of each, for visibility checks."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.adapters.store.tables import cohort_members, people


@dataclass(frozen=True)
class Known:
    """A (not erased) person of the directory: name, org and the cohorts they are in now."""

    person_id: str
    org_id: str
    display_name: str
    cohort_ids: frozenset[str]


async def known_people(session: AsyncSession, person_ids: set[str]) -> dict[str, Known]:
    """Of ``person_ids``, those the directory knows (erased people are not), by id."""
    if not person_ids:
        return {}
    rows = (
        await session.execute(
            sa.select(people.c.id, people.c.org_id, people.c.display_name).where(
                people.c.id.in_(sorted(person_ids)), people.c.erased.is_(False)
            )
        )
    ).all()
    memberships = await session.execute(
        sa.select(cohort_members.c.person_id, cohort_members.c.cohort_id).where(
            cohort_members.c.person_id.in_(sorted(person_ids)), cohort_members.c.active.is_(True)
        )
    )
    cohorts: dict[str, set[str]] = {}
    for member in memberships:
        cohorts.setdefault(member.person_id, set()).add(member.cohort_id)
    return {
        row.id: Known(row.id, row.org_id, row.display_name, frozenset(cohorts.get(row.id, ())))
        for row in rows
    }


async def org_of(session: AsyncSession, person_id: str | None) -> str | None:
    """The org of a (not erased) person the directory knows, else None."""
    if person_id is None:
        return None
    org_id: str | None = await session.scalar(
        sa.select(people.c.org_id).where(people.c.id == person_id, people.c.erased.is_(False))
    )
    return org_id
