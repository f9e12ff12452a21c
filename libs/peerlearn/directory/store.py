"""The directory's rules for applying profiles' facts, and its reads (the caller, names, cohorts).

Every write is idempotent and ordered by event time (last writer wins per key), so a replayed,
duplicated or late event never undoes a newer change.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn.directory.caller import ANONYMOUS, PLATFORM_ADMIN, Caller
from peerlearn.directory.tables import DirectoryTables


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time stored here is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class DirectoryStore:
    """Reads and rule-keeping writes on one service's directory tables."""

    def __init__(self, tables: DirectoryTables) -> None:
        self.t = tables

    # --- the caller ---------------------------------------------------------------------

    async def caller_for(self, session: AsyncSession, principal: Principal | None) -> Caller:
        """The caller as the directory knows them.

        Org and roles come from the directory, not the token: a token lives until it expires,
        so a demoted admin (or a person moved to another org) loses the old rights as soon as
        the service hears of it. An erased person is anonymous. A person the directory does
        not know yet (their profile event has not arrived) is a person of no org: they see
        what is public and nothing else until it does.
        """
        if principal is None:
            return ANONYMOUS
        if principal.platform_admin:
            return PLATFORM_ADMIN
        assert principal.person_id is not None
        return (await self.callers_of(session, [principal.person_id]))[principal.person_id]

    async def callers_of(self, session: AsyncSession, person_ids: list[str]) -> dict[str, Caller]:
        """Each person as :meth:`caller_for` would make them, in three queries for them all
        (notify tells the five routed answerers of a question at once)."""
        people, members, orgs = self.t.people, self.t.cohort_members, self.t.cohort_orgs
        wanted = sorted(set(person_ids))
        rows = {
            row.id: row
            for row in await session.execute(
                sa.select(people.c.id, people.c.org_id, people.c.roles, people.c.erased).where(
                    people.c.id.in_(wanted)
                )
            )
        }
        known = [person_id for person_id, row in rows.items() if not row.erased]
        member_of: dict[str, set[str]] = {person_id: set() for person_id in known}
        if known:
            for member in await session.execute(
                sa.select(members.c.person_id, members.c.cohort_id).where(
                    members.c.person_id.in_(known), members.c.active.is_(True)
                )
            ):
                member_of[member.person_id].add(member.cohort_id)
        admin_orgs = {
            rows[p].org_id for p in known if rows[p].org_id and "org_admin" in (rows[p].roles or ())
        }
        admin_of: dict[str, set[str]] = {org_id: set() for org_id in admin_orgs}
        if admin_orgs:
            for link in await session.execute(
                sa.select(orgs.c.org_id, orgs.c.cohort_id).where(
                    orgs.c.org_id.in_(sorted(admin_orgs)), orgs.c.active.is_(True)
                )
            ):
                admin_of[link.org_id].add(link.cohort_id)
        callers: dict[str, Caller] = {}
        for person_id in wanted:
            if person_id not in rows:
                callers[person_id] = Caller(person_id=person_id, org_id=None)
                continue
            row = rows[person_id]
            if row.erased:
                callers[person_id] = ANONYMOUS
                continue
            roles = tuple(str(r) for r in (row.roles or ()))
            callers[person_id] = Caller(
                person_id=person_id,
                org_id=row.org_id,
                roles=roles,
                cohort_ids=frozenset(member_of[person_id]),
                admin_cohort_ids=frozenset(admin_of.get(row.org_id, ()))
                if "org_admin" in roles
                else frozenset(),
            )
        return callers

    # --- reads --------------------------------------------------------------------------

    async def display_names(self, session: AsyncSession, person_ids: set[str | None]) -> dict[str, str]:
        """Display names of the people the directory knows (erased people have none)."""
        wanted = {p for p in person_ids if p}
        if not wanted:
            return {}
        people = self.t.people
        rows = await session.execute(
            sa.select(people.c.id, people.c.display_name).where(
                people.c.id.in_(wanted), people.c.erased.is_(False)
            )
        )
        return {row.id: row.display_name for row in rows}

    async def knows_person(self, session: AsyncSession, person_id: str) -> bool:
        """Whether a (not erased) person is in the directory."""
        people = self.t.people
        found = await session.scalar(
            sa.select(people.c.id).where(people.c.id == person_id, people.c.erased.is_(False))
        )
        return found is not None

    async def active_cohorts_of(self, session: AsyncSession, person_id: str) -> set[str]:
        """The cohorts ``person_id`` is a member of now."""
        members = self.t.cohort_members
        rows = await session.scalars(
            sa.select(members.c.cohort_id).where(members.c.person_id == person_id, members.c.active.is_(True))
        )
        return set(rows)

    async def cohort_member_orgs(self, session: AsyncSession, cohort_id: str) -> set[str] | None:
        """The orgs in a cohort now, or None when the directory never heard of the cohort."""
        exists = await session.scalar(sa.select(self.t.cohorts.c.id).where(self.t.cohorts.c.id == cohort_id))
        if exists is None:
            return None
        orgs = self.t.cohort_orgs
        rows = await session.scalars(
            sa.select(orgs.c.org_id).where(orgs.c.cohort_id == cohort_id, orgs.c.active.is_(True))
        )
        return set(rows)

    # --- writes, each under the last-writer-wins rule -----------------------------------

    async def upsert_person(
        self,
        session: AsyncSession,
        person_id: str,
        org_id: str,
        display_name: str,
        roles: list[str],
        at: datetime,
    ) -> bool:
        """Store a person's profile unless a newer change (or their erasure) is already applied."""
        people = self.t.people
        row = (
            await session.execute(
                sa.select(people.c.version_at, people.c.erased).where(people.c.id == person_id)
            )
        ).first()
        values = {"org_id": org_id, "display_name": display_name, "roles": roles, "version_at": at}
        if row is None:
            await session.execute(sa.insert(people).values(id=person_id, erased=False, **values))
            return True
        if row.erased or _aware(row.version_at) > at:
            return False
        await session.execute(sa.update(people).where(people.c.id == person_id).values(**values))
        return True

    async def erase_person(self, session: AsyncSession, person_id: str, org_id: str, at: datetime) -> None:
        """Leave a tombstone for the person and end every membership they had."""
        people, members = self.t.people, self.t.cohort_members
        await session.execute(
            sa.update(members).where(members.c.person_id == person_id).values(active=False, changed_at=at)
        )
        values = {"org_id": org_id, "display_name": "", "roles": [], "erased": True, "version_at": at}
        exists = await session.scalar(sa.select(people.c.id).where(people.c.id == person_id))
        if exists is None:
            await session.execute(sa.insert(people).values(id=person_id, **values))
        else:
            await session.execute(sa.update(people).where(people.c.id == person_id).values(**values))

    async def set_membership(
        self, session: AsyncSession, cohort_id: str, person_id: str, org_id: str, active: bool, at: datetime
    ) -> bool:
        """Last writer wins per (cohort, person) by event time; True when this changed the record."""
        members = self.t.cohort_members
        key = (members.c.cohort_id == cohort_id) & (members.c.person_id == person_id)
        row = (await session.execute(sa.select(members.c.changed_at).where(key))).first()
        if row is None:
            await session.execute(
                sa.insert(members).values(
                    cohort_id=cohort_id, person_id=person_id, org_id=org_id, active=active, changed_at=at
                )
            )
            return True
        if _aware(row.changed_at) > at:
            return False
        await session.execute(
            sa.update(members).where(key).values(active=active, org_id=org_id, changed_at=at)
        )
        return True

    async def seed_memberships(
        self, session: AsyncSession, person_id: str, org_id: str, cohort_ids: list[str], at: datetime
    ) -> None:
        """Memberships named by a profile's ``cohort_ids`` that have no record yet (a late replay)."""
        members = self.t.cohort_members
        known = set(
            await session.scalars(sa.select(members.c.cohort_id).where(members.c.person_id == person_id))
        )
        for cohort_id in cohort_ids:
            if cohort_id not in known:
                await self.set_membership(session, cohort_id, person_id, org_id, True, at)

    async def ensure_cohort(
        self, session: AsyncSession, cohort_id: str, name: str, owner_org_id: str
    ) -> None:
        """Know of a cohort (its name and owner org); a later event with a name updates it."""
        cohorts = self.t.cohorts
        exists = await session.scalar(sa.select(cohorts.c.id).where(cohorts.c.id == cohort_id))
        if exists is None:
            await session.execute(
                sa.insert(cohorts).values(id=cohort_id, name=name, owner_org_id=owner_org_id)
            )
        elif name:
            await session.execute(
                sa.update(cohorts)
                .where(cohorts.c.id == cohort_id)
                .values(name=name, owner_org_id=owner_org_id)
            )

    async def set_cohort_org(
        self, session: AsyncSession, cohort_id: str, org_id: str, active: bool, at: datetime
    ) -> None:
        """Last writer wins per (cohort, org) by event time."""
        orgs = self.t.cohort_orgs
        key = (orgs.c.cohort_id == cohort_id) & (orgs.c.org_id == org_id)
        row = (await session.execute(sa.select(orgs.c.changed_at).where(key))).first()
        if row is None:
            await session.execute(
                sa.insert(orgs).values(cohort_id=cohort_id, org_id=org_id, active=active, changed_at=at)
            )
        elif _aware(row.changed_at) <= at:
            await session.execute(sa.update(orgs).where(key).values(active=active, changed_at=at))

    async def end_org_memberships(
        self, session: AsyncSession, cohort_id: str, org_id: str, at: datetime
    ) -> list[str]:
        """The org left the cohort: its people leave with it. Returns who left."""
        members = self.t.cohort_members
        leaving = list(
            await session.scalars(
                sa.select(members.c.person_id).where(
                    members.c.cohort_id == cohort_id, members.c.org_id == org_id, members.c.active.is_(True)
                )
            )
        )
        for person_id in leaving:
            await self.set_membership(session, cohort_id, person_id, org_id, False, at)
        return leaving
