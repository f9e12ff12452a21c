"""The read model of people and cohorts, kept from profiles' events; and the caller as a Viewer.

Every write here is idempotent and ordered by event time (last writer wins per key), so a
replayed, duplicated or late event never undoes a newer change.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn_forum.domain import ANONYMOUS, Viewer
from peerlearn_forum.models import (
    cohort_members,
    cohort_orgs,
    cohorts,
    flags,
    people,
    posts,
    processed_events,
    reputation,
    thread_suggestions,
    threads,
)
from peerlearn_forum.store import aware
from peerlearn_forum.store.votes import retract_all_votes_of


async def viewer_for(session: AsyncSession, principal: Principal | None) -> Viewer:
    """The caller as the forum's rules need them.

    Org and roles come from the read model (kept current by ``profiles.person.upserted``),
    not from the token: a token lives until it expires, so a demoted org admin (or a person
    moved to another org) must lose the old rights as soon as the forum hears of the change.
    Cohorts (member of, and administered) come from the read model too.
    """
    if principal is None:
        return ANONYMOUS
    if principal.platform_admin:
        return Viewer(person_id=None, org_id=None, platform_admin=True)
    assert principal.person_id is not None
    row = (
        await session.execute(
            sa.select(people.c.org_id, people.c.roles, people.c.erased).where(
                people.c.id == principal.person_id
            )
        )
    ).first()
    if row is not None and row.erased:
        return ANONYMOUS
    if row is not None:
        org_id: str | None = row.org_id
        roles: tuple[str, ...] = tuple(str(r) for r in (row.roles or ()))
    else:
        # A person the read model does not know yet: profiles issued the token, and the
        # ``person.upserted`` event may simply not have arrived (a brand-new person's first
        # request). Their signed claims are the best knowledge there is until it does;
        # from then on the read model decides (and an erasure tombstone always wins).
        org_id, roles = principal.org_id, tuple(principal.roles)
    member_of = await session.scalars(
        sa.select(cohort_members.c.cohort_id).where(
            cohort_members.c.person_id == principal.person_id, cohort_members.c.active.is_(True)
        )
    )
    admin_of: frozenset[str] = frozenset()
    if "org_admin" in roles and org_id:
        admin_of = frozenset(
            await session.scalars(
                sa.select(cohort_orgs.c.cohort_id).where(
                    cohort_orgs.c.org_id == org_id, cohort_orgs.c.active.is_(True)
                )
            )
        )
    return Viewer(
        person_id=principal.person_id,
        org_id=org_id,
        roles=roles,
        cohort_ids=frozenset(member_of),
        admin_cohort_ids=admin_of,
    )


async def display_names(session: AsyncSession, person_ids: set[str | None]) -> dict[str, str]:
    """Display names of the people the read model knows (erased people have none)."""
    wanted = {p for p in person_ids if p}
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(people.c.id, people.c.display_name).where(
            people.c.id.in_(wanted), people.c.erased.is_(False)
        )
    )
    return {row.id: row.display_name for row in rows}


async def knows_person(session: AsyncSession, person_id: str) -> bool:
    """Whether a (not erased) person is in the read model."""
    found = await session.scalar(
        sa.select(people.c.id).where(people.c.id == person_id, people.c.erased.is_(False))
    )
    return found is not None


async def cohort_member_orgs(session: AsyncSession, cohort_id: str) -> set[str] | None:
    """The orgs in a cohort now, or None when the forum never heard of the cohort."""
    exists = await session.scalar(sa.select(cohorts.c.id).where(cohorts.c.id == cohort_id))
    if exists is None:
        return None
    rows = await session.scalars(
        sa.select(cohort_orgs.c.org_id).where(
            cohort_orgs.c.cohort_id == cohort_id, cohort_orgs.c.active.is_(True)
        )
    )
    return set(rows)


# --- writes from events ---------------------------------------------------------------------


async def claim_event(session: AsyncSession, event_id: str) -> bool:
    """Record that an event is being applied; False when it was applied before."""
    seen = await session.scalar(
        sa.select(processed_events.c.event_id).where(processed_events.c.event_id == event_id)
    )
    if seen is not None:
        return False
    await session.execute(
        sa.insert(processed_events).values(event_id=event_id, processed_at=datetime.now(UTC))
    )
    return True


async def upsert_person(
    session: AsyncSession, person_id: str, org_id: str, display_name: str, roles: list[str], at: datetime
) -> bool:
    """Store a person's profile unless a newer change (or their erasure) is already applied."""
    row = (
        await session.execute(sa.select(people.c.version_at, people.c.erased).where(people.c.id == person_id))
    ).first()
    if row is None:
        await session.execute(
            sa.insert(people).values(
                id=person_id,
                org_id=org_id,
                display_name=display_name,
                roles=roles,
                erased=False,
                version_at=at,
            )
        )
        return True
    if row.erased or aware(row.version_at) > at:  # type: ignore[operator]
        return False
    await session.execute(
        sa.update(people)
        .where(people.c.id == person_id)
        .values(org_id=org_id, display_name=display_name, roles=roles, version_at=at)
    )
    return True


async def set_membership(
    session: AsyncSession, cohort_id: str, person_id: str, org_id: str, active: bool, at: datetime
) -> None:
    """Last writer wins per (cohort, person) by event time."""
    row = (
        await session.execute(
            sa.select(cohort_members.c.changed_at).where(
                cohort_members.c.cohort_id == cohort_id, cohort_members.c.person_id == person_id
            )
        )
    ).first()
    if row is None:
        await session.execute(
            sa.insert(cohort_members).values(
                cohort_id=cohort_id, person_id=person_id, org_id=org_id, active=active, changed_at=at
            )
        )
    elif aware(row.changed_at) <= at:  # type: ignore[operator]
        await session.execute(
            sa.update(cohort_members)
            .where(cohort_members.c.cohort_id == cohort_id, cohort_members.c.person_id == person_id)
            .values(active=active, org_id=org_id, changed_at=at)
        )


async def active_cohorts_of(session: AsyncSession, person_id: str) -> set[str]:
    rows = await session.scalars(
        sa.select(cohort_members.c.cohort_id).where(
            cohort_members.c.person_id == person_id, cohort_members.c.active.is_(True)
        )
    )
    return set(rows)


async def ensure_cohort(session: AsyncSession, cohort_id: str, name: str, owner_org_id: str) -> None:
    exists = await session.scalar(sa.select(cohorts.c.id).where(cohorts.c.id == cohort_id))
    if exists is None:
        await session.execute(sa.insert(cohorts).values(id=cohort_id, name=name, owner_org_id=owner_org_id))
    elif name:
        await session.execute(
            sa.update(cohorts).where(cohorts.c.id == cohort_id).values(name=name, owner_org_id=owner_org_id)
        )


async def set_cohort_org(
    session: AsyncSession, cohort_id: str, org_id: str, active: bool, at: datetime
) -> None:
    """Last writer wins per (cohort, org) by event time."""
    row = (
        await session.execute(
            sa.select(cohort_orgs.c.changed_at).where(
                cohort_orgs.c.cohort_id == cohort_id, cohort_orgs.c.org_id == org_id
            )
        )
    ).first()
    if row is None:
        await session.execute(
            sa.insert(cohort_orgs).values(cohort_id=cohort_id, org_id=org_id, active=active, changed_at=at)
        )
    elif aware(row.changed_at) <= at:  # type: ignore[operator]
        await session.execute(
            sa.update(cohort_orgs)
            .where(cohort_orgs.c.cohort_id == cohort_id, cohort_orgs.c.org_id == org_id)
            .values(active=active, changed_at=at)
        )


async def erase_person(session: AsyncSession, person_id: str, org_id: str, at: datetime) -> None:
    """Erase a person: their name, memberships, votes (scores corrected), flags and reputation.

    Their threads and posts stay (other people's answers hang on them) but lose their
    author: they show as written by a deleted user. A tombstone row keeps a late
    ``person.upserted`` from bringing them back.
    """
    # Votes: take each back from the score it counted in.
    await retract_all_votes_of(session, person_id)
    flagged = await session.scalars(sa.select(flags.c.post_id).where(flags.c.flagger_id == person_id))
    for post_id in list(flagged):
        await session.execute(
            sa.update(posts).where(posts.c.id == post_id).values(flag_count=posts.c.flag_count - 1)
        )
    await session.execute(sa.delete(flags).where(flags.c.flagger_id == person_id))
    await session.execute(sa.delete(reputation).where(reputation.c.person_id == person_id))
    await session.execute(sa.update(posts).where(posts.c.author_id == person_id).values(author_id=None))
    await session.execute(sa.update(threads).where(threads.c.author_id == person_id).values(author_id=None))
    await session.execute(
        sa.update(cohort_members)
        .where(cohort_members.c.person_id == person_id)
        .values(active=False, changed_at=at)
    )
    exists = await session.scalar(sa.select(people.c.id).where(people.c.id == person_id))
    values = {"org_id": org_id, "display_name": "", "roles": [], "erased": True, "version_at": at}
    if exists is None:
        await session.execute(sa.insert(people).values(id=person_id, **values))
    else:
        await session.execute(sa.update(people).where(people.c.id == person_id).values(**values))


async def store_suggestions(session: AsyncSession, thread_id: str, payload: object, at: datetime) -> None:
    """Keep the matcher's latest suggestions for a thread (older ones never replace newer)."""
    encoded = msgspec.json.encode(payload)
    row = (
        await session.execute(
            sa.select(thread_suggestions.c.version_at).where(thread_suggestions.c.thread_id == thread_id)
        )
    ).first()
    if row is None:
        await session.execute(
            sa.insert(thread_suggestions).values(thread_id=thread_id, payload=encoded, version_at=at)
        )
    elif aware(row.version_at) <= at:  # type: ignore[operator]
        await session.execute(
            sa.update(thread_suggestions)
            .where(thread_suggestions.c.thread_id == thread_id)
            .values(payload=encoded, version_at=at)
        )


async def suggestions_for(session: AsyncSession, thread_id: str) -> bytes | None:
    return await session.scalar(
        sa.select(thread_suggestions.c.payload).where(thread_suggestions.c.thread_id == thread_id)
    )
