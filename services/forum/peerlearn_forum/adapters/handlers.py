"""Event handlers that keep the forum's read model: people and cohorts (profiles), suggestions (matcher).

The registry is data: ``{subject: handler}``. Each event is applied in one transaction
together with a row in ``processed_events``, so a redelivered event changes nothing; the
read model's rows are also last-writer-wins by event time, so order does not matter either.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.store import Database
from peerlearn_forum.models import cohort_members
from peerlearn_forum.store import readmodel

log = logging.getLogger("peerlearn.forum.handlers")

Apply = Callable[[AsyncSession, events.Event], Awaitable[None]]


async def person_upserted(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.PersonUpserted)
    person = data.person
    applied = await readmodel.upsert_person(
        session, person.id, person.org_id, person.display_name, list(person.roles), event.occurred_at
    )
    if not applied:
        return
    # Membership facts come from member_added / member_removed. cohort_ids only seeds
    # cohorts this person has no membership record of yet (a replay that starts late);
    # it never removes one, so a profile event never undoes an explicit change.
    known = set(
        await session.scalars(
            sa.select(cohort_members.c.cohort_id).where(cohort_members.c.person_id == person.id)
        )
    )
    for cohort_id in person.cohort_ids:
        if cohort_id not in known:
            await readmodel.set_membership(
                session, cohort_id, person.id, person.org_id, True, event.occurred_at
            )


async def person_deleted(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.PersonDeleted)
    await readmodel.erase_person(session, data.person_id, data.org_id, event.occurred_at)


async def cohort_created(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.CohortCreated)
    await readmodel.ensure_cohort(session, data.cohort_id, data.name, data.owner_org_id)
    for org_id in {data.owner_org_id, *data.member_org_ids}:
        await readmodel.set_cohort_org(session, data.cohort_id, org_id, True, event.occurred_at)


async def cohort_org_joined(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.CohortOrgJoined)
    await readmodel.ensure_cohort(session, data.cohort_id, "", data.org_id)
    await readmodel.set_cohort_org(session, data.cohort_id, data.org_id, True, event.occurred_at)


async def cohort_org_left(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.CohortOrgLeft)
    await readmodel.set_cohort_org(session, data.cohort_id, data.org_id, False, event.occurred_at)
    # Its people leave with it (profiles also sends member_removed for each).
    people = await session.scalars(
        sa.select(cohort_members.c.person_id).where(
            cohort_members.c.cohort_id == data.cohort_id, cohort_members.c.org_id == data.org_id
        )
    )
    for person_id in list(people):
        await readmodel.set_membership(
            session, data.cohort_id, person_id, data.org_id, False, event.occurred_at
        )


async def cohort_member_added(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.CohortMemberAdded)
    await readmodel.set_membership(
        session, data.cohort_id, data.person_id, data.org_id, True, event.occurred_at
    )


async def cohort_member_removed(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.CohortMemberRemoved)
    await readmodel.set_membership(
        session, data.cohort_id, data.person_id, data.org_id, False, event.occurred_at
    )


async def answerers_suggested(session: AsyncSession, event: events.Event) -> None:
    data = event.data
    assert isinstance(data, events.AnswerersSuggested)
    await readmodel.store_suggestions(session, data.thread_id, data, event.occurred_at)


PROFILES_HANDLERS: dict[str, Apply] = {
    events.PERSON_UPSERTED: person_upserted,
    events.PERSON_DELETED: person_deleted,
    events.COHORT_CREATED: cohort_created,
    events.COHORT_ORG_JOINED: cohort_org_joined,
    events.COHORT_ORG_LEFT: cohort_org_left,
    events.COHORT_MEMBER_ADDED: cohort_member_added,
    events.COHORT_MEMBER_REMOVED: cohort_member_removed,
}
MATCHER_HANDLERS: dict[str, Apply] = {
    events.ANSWERERS_SUGGESTED: answerers_suggested,
}
HANDLERS: dict[str, Apply] = {**PROFILES_HANDLERS, **MATCHER_HANDLERS}


async def apply_event(database: Database, event: events.Event) -> bool:
    """Apply one event exactly once; False when it was applied before or the forum ignores its type."""
    apply = HANDLERS.get(event.type)
    if apply is None:
        return False
    async with database.transaction() as session:
        if not await readmodel.claim_event(session, event.id):
            return False
        await apply(session, event)
    return True


def make_consumers(bus: Bus, database: Database, *, max_deliver: int = 5) -> Sequence[Consumer]:
    """The forum's durable consumers of profiles' and the matcher's streams."""

    async def handle(event: events.Event) -> None:
        await apply_event(database, event)

    return [
        Consumer(bus, stream="PROFILES", durable="forum-profiles", handler=handle, max_deliver=max_deliver),
        Consumer(
            bus,
            stream="MATCHER",
            durable="forum-matcher",
            handler=handle,
            subjects=[events.ANSWERERS_SUGGESTED],
            max_deliver=max_deliver,
        ),
    ]
