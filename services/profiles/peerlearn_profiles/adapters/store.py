"""The profiles repository: SQLAlchemy Core queries over the tables in :mod:`models`.

Functions take the request's session, so everything a request does (state and outbox)
commits or rolls back together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles.adapters.models import cohort_members, orgs, people, sign_in_codes, skills
from peerlearn_profiles.domain.people import SkillEntry

# Ids are new_id() hex strings; anything else (e.g. a NUL byte from a URL, which PostgreSQL
# refuses to compare) is simply not found.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def now() -> datetime:
    return datetime.now(UTC)


def columns_of(table: sa.Table, record: object) -> dict[str, Any]:
    """The record's values of the table's columns, for an insert (a column the record has no
    attribute for is left out: the caller gives it)."""
    return {
        column.name: getattr(record, column.name) for column in table.columns if hasattr(record, column.name)
    }


def is_id(value: str) -> bool:
    """Whether ``value`` can be an id at all."""
    return bool(_ID.match(value))


@dataclass
class OrgRecord:
    id: str
    name: str
    kind: str
    created_at: datetime


@dataclass
class PersonRecord:
    """A person with their skills (in the order written) and current cohorts."""

    id: str
    org_id: str
    display_name: str
    email: str
    roles: list[str]
    bio: str
    goal: str
    timezone: str
    weekly_hours: float
    mentor_capacity: int
    open_to_external: bool
    created_at: datetime
    updated_at: datetime
    skills: list[SkillEntry] = field(default_factory=list)
    cohort_ids: list[str] = field(default_factory=list)


# --- orgs -----------------------------------------------------------------------------


async def insert_org(session: AsyncSession, org: OrgRecord) -> None:
    await session.execute(sa.insert(orgs).values(**org.__dict__))


async def get_org(session: AsyncSession, org_id: str) -> OrgRecord | None:
    if not is_id(org_id):
        return None
    row = (await session.execute(sa.select(orgs).where(orgs.c.id == org_id))).first()
    return OrgRecord(**row._mapping) if row else None


# --- people ---------------------------------------------------------------------------

_PERSON_FIELDS = (
    "display_name", "email", "roles", "bio", "goal", "timezone",
    "weekly_hours", "mentor_capacity", "open_to_external",
)  # fmt: skip


async def get_people(session: AsyncSession, ids: Sequence[str], *, lock: bool = False) -> list[PersonRecord]:
    """The people with these ids (those that exist), with skills and cohorts, in ``ids`` order;
    ``lock`` locks their rows until the transaction ends (in id order, so lockers never deadlock)."""
    ids = [i for i in ids if is_id(i)]
    if not ids:
        return []
    if lock:
        await session.execute(
            sa.select(people.c.id).where(people.c.id.in_(ids)).order_by(people.c.id).with_for_update()
        )
    rows = (await session.execute(sa.select(people).where(people.c.id.in_(ids)))).all()
    records = {
        row.id: PersonRecord(
            id=row.id,
            org_id=row.org_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            **{name: getattr(row, name) for name in _PERSON_FIELDS},
        )
        for row in rows
    }
    if not records:
        return []
    skill_rows = await session.execute(
        sa.select(skills)
        .where(skills.c.person_id.in_(records))
        .order_by(skills.c.person_id, skills.c.position)
    )
    for row in skill_rows:
        records[row.person_id].skills.append(SkillEntry(name=row.name, level=row.level, wants=row.wants))
    member_rows = await session.execute(
        sa.select(cohort_members.c.person_id, cohort_members.c.cohort_id)
        .where(cohort_members.c.person_id.in_(records))
        .order_by(cohort_members.c.cohort_id)
    )
    for row in member_rows:
        records[row.person_id].cohort_ids.append(row.cohort_id)
    return [records[i] for i in ids if i in records]


async def get_person(session: AsyncSession, person_id: str, *, lock: bool = False) -> PersonRecord | None:
    """The person; with ``lock``, their row stays locked until the transaction ends (PostgreSQL),
    so concurrent edits of one person (skills are replaced as a set) queue instead of clashing."""
    if lock and is_id(person_id):
        await session.execute(sa.select(people.c.id).where(people.c.id == person_id).with_for_update())
    found = await get_people(session, [person_id])
    return found[0] if found else None


async def standing_of(session: AsyncSession, person_id: str) -> tuple[str, list[str]] | None:
    """The person's org and roles as they are now, or None when there is no such person."""
    if not is_id(person_id):
        return None
    row = (
        await session.execute(sa.select(people.c.org_id, people.c.roles).where(people.c.id == person_id))
    ).first()
    return None if row is None else (row.org_id, list(row.roles))


async def person_id_by_email(session: AsyncSession, org_id: str, key: str) -> str | None:
    return await session.scalar(
        sa.select(people.c.id).where(people.c.org_id == org_id, people.c.email_key == key)
    )


async def people_by_email(session: AsyncSession, org_id: str, keys: Sequence[str]) -> dict[str, str]:
    """Casefolded email -> person id, for the given emails of the org."""
    found: dict[str, str] = {}
    for start in range(0, len(keys), 500):  # stay far below SQLite's bound-parameter limit
        chunk = keys[start : start + 500]
        rows = await session.execute(
            sa.select(people.c.email_key, people.c.id).where(
                people.c.org_id == org_id, people.c.email_key.in_(chunk)
            )
        )
        found.update({row.email_key: row.id for row in rows})
    return found


async def insert_person(session: AsyncSession, person: PersonRecord, email_key: str) -> None:
    await session.execute(sa.insert(people).values(email_key=email_key, **columns_of(people, person)))
    await replace_skills(session, person.id, person.skills)


async def update_person(session: AsyncSession, person: PersonRecord, email_key: str) -> None:
    await session.execute(
        sa.update(people)
        .where(people.c.id == person.id)
        .values(
            email_key=email_key,
            updated_at=person.updated_at,
            **{name: getattr(person, name) for name in _PERSON_FIELDS},
        )
    )
    await replace_skills(session, person.id, person.skills)


async def replace_skills(session: AsyncSession, person_id: str, entries: Sequence[SkillEntry]) -> None:
    await session.execute(sa.delete(skills).where(skills.c.person_id == person_id))
    if entries:
        await session.execute(
            sa.insert(skills),
            [
                {
                    "person_id": person_id,
                    "name_key": e.key,
                    "name": e.name,
                    "level": e.level,
                    "wants": e.wants,
                    "position": i,
                }
                for i, e in enumerate(entries)
            ],
        )


async def delete_person(session: AsyncSession, person_id: str) -> None:
    """Erase the person and everything attached to them (skills, cohort memberships, sign-in codes)."""
    await session.execute(sa.delete(sign_in_codes).where(sign_in_codes.c.person_id == person_id))
    await session.execute(sa.delete(skills).where(skills.c.person_id == person_id))
    await session.execute(sa.delete(cohort_members).where(cohort_members.c.person_id == person_id))
    await session.execute(sa.delete(people).where(people.c.id == person_id))


async def page_of_people(
    session: AsyncSession,
    org_id: str,
    *,
    after: str | None,
    limit: int,
    in_cohorts: Sequence[str] | None = None,
) -> list[str]:
    """Ids of the org's people in id order after ``after``; only members of ``in_cohorts`` if given."""
    query = sa.select(people.c.id).where(people.c.org_id == org_id)
    if in_cohorts is not None:
        query = query.where(
            people.c.id.in_(
                sa.select(cohort_members.c.person_id).where(cohort_members.c.cohort_id.in_(in_cohorts))
            )
        )
    if after:
        query = query.where(people.c.id > after)
    rows = await session.execute(query.order_by(people.c.id).limit(limit))
    return [row.id for row in rows]
