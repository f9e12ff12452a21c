"""The cohort repository: cohorts, each org's standing in them, and their members."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles.adapters.models import cohort_members, cohort_orgs, cohorts
from peerlearn_profiles.adapters.store import columns_of, is_id, now


@dataclass
class CohortRecord:
    id: str
    name: str
    owner_org_id: str
    topic: str
    starts_on: date | None
    ends_on: date | None
    created_at: datetime
    org_status: dict[str, str] = field(default_factory=dict)  # org id -> invited|member|declined|left

    def member_org_ids(self) -> list[str]:
        return sorted(org for org, status in self.org_status.items() if status == "member")

    def invited_org_ids(self) -> list[str]:
        return sorted(org for org, status in self.org_status.items() if status == "invited")


# --- cohorts --------------------------------------------------------------------------


async def insert_cohort(session: AsyncSession, cohort: CohortRecord) -> None:
    await session.execute(sa.insert(cohorts).values(columns_of(cohorts, cohort)))
    for org_id, status in cohort.org_status.items():
        await set_org_status(session, cohort.id, org_id, status)


async def get_cohort(session: AsyncSession, cohort_id: str, *, lock: bool = False) -> CohortRecord | None:
    """The cohort with each org's standing; with ``lock``, changes to it queue behind this
    transaction (PostgreSQL; SQLite's writers are serialised anyway)."""
    if not is_id(cohort_id):
        return None
    query = sa.select(cohorts).where(cohorts.c.id == cohort_id)
    row = (await session.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        return None
    record = CohortRecord(**row._mapping)
    statuses = await session.execute(
        sa.select(cohort_orgs.c.org_id, cohort_orgs.c.status).where(cohort_orgs.c.cohort_id == cohort_id)
    )
    record.org_status = {r.org_id: r.status for r in statuses}
    return record


async def set_org_status(session: AsyncSession, cohort_id: str, org_id: str, status: str) -> None:
    """Insert or update the org's standing in the cohort."""
    updated = await session.execute(
        sa.update(cohort_orgs)
        .where(cohort_orgs.c.cohort_id == cohort_id, cohort_orgs.c.org_id == org_id)
        .values(status=status, updated_at=now())
    )
    if cast(CursorResult[Any], updated).rowcount == 0:
        await session.execute(
            sa.insert(cohort_orgs).values(cohort_id=cohort_id, org_id=org_id, status=status, updated_at=now())
        )


async def cohort_member_ids(session: AsyncSession, cohort_id: str, org_id: str | None = None) -> list[str]:
    """The cohort's members (only those of ``org_id`` if given), in id order."""
    query = sa.select(cohort_members.c.person_id).where(cohort_members.c.cohort_id == cohort_id)
    if org_id is not None:
        query = query.where(cohort_members.c.org_id == org_id)
    return [row.person_id for row in await session.execute(query.order_by(cohort_members.c.person_id))]


async def cohorts_of(session: AsyncSession, person_id: str) -> frozenset[str]:
    rows = await session.execute(
        sa.select(cohort_members.c.cohort_id).where(cohort_members.c.person_id == person_id)
    )
    return frozenset(row.cohort_id for row in rows)


async def add_member(session: AsyncSession, cohort_id: str, person_id: str, org_id: str) -> bool:
    """Add the person; False when they were a member already."""
    exists = await session.scalar(
        sa.select(sa.func.count())
        .select_from(cohort_members)
        .where(cohort_members.c.cohort_id == cohort_id, cohort_members.c.person_id == person_id)
    )
    if exists:
        return False
    await session.execute(
        sa.insert(cohort_members).values(
            cohort_id=cohort_id, person_id=person_id, org_id=org_id, added_at=now()
        )
    )
    return True


async def remove_member(session: AsyncSession, cohort_id: str, person_id: str) -> bool:
    """Remove the person; False when they were not a member."""
    result = await session.execute(
        sa.delete(cohort_members).where(
            cohort_members.c.cohort_id == cohort_id, cohort_members.c.person_id == person_id
        )
    )
    return bool(cast(CursorResult[Any], result).rowcount)


async def visible_cohort_ids(session: AsyncSession, org_id: str) -> list[str]:
    """Cohorts the org is a member of or invited to."""
    rows = await session.execute(
        sa.select(cohort_orgs.c.cohort_id)
        .where(cohort_orgs.c.org_id == org_id, cohort_orgs.c.status.in_(("member", "invited")))
        .order_by(cohort_orgs.c.cohort_id)
    )
    return [row.cohort_id for row in rows]


async def member_cohorts_of_org(session: AsyncSession, org_id: str) -> frozenset[str]:
    """Cohorts the org is a member of now (not merely invited to)."""
    rows = await session.scalars(
        sa.select(cohort_orgs.c.cohort_id).where(
            cohort_orgs.c.org_id == org_id, cohort_orgs.c.status == "member"
        )
    )
    return frozenset(rows)


async def all_cohort_ids(session: AsyncSession) -> list[str]:
    """Every cohort, oldest first (for the platform admin)."""
    return [row.id for row in await session.execute(sa.select(cohorts.c.id).order_by(cohorts.c.id))]
