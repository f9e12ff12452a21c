"""The forum's handlers, applied once each through the library: idempotent, order-independent,
on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.consuming import apply_once
from peerlearn.directory.caller import Caller
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.handlers import HANDLERS, MATCHER_HANDLERS, PROFILES_HANDLERS
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.adapters.store.suggestions import suggestions_for
from peerlearn_forum.adapters.store.tables import people, processed_events
from peerlearn_forum.app import MIGRATIONS

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def member(cohort: str, person: str, added: bool, when: int) -> events.Event:
    cls = events.CohortMemberAdded if added else events.CohortMemberRemoved
    return events.make_event(cls(cohort_id=cohort, person_id=person, org_id="B"), occurred_at=at(when))


def upsert(
    person: str, name: str, when: int, cohorts: list[str], roles: list[events.Role] | None = None
) -> events.Event:
    profile = events.PersonProfile(
        id=person, org_id="B", display_name=name, cohort_ids=cohorts, roles=roles or ["learner"]
    )
    return events.make_event(events.PersonUpserted(person=profile), occurred_at=at(when))


async def apply(database: Database, event: events.Event) -> bool:
    return await apply_once(UnitOfWork(database), processed_events, HANDLERS, event)


async def caller(database: Database, person: str, roles: tuple[str, ...] = ()) -> Caller:
    async with database.transaction() as session:
        return await DIRECTORY.caller_for(session, Principal(person_id=person, org_id="B", roles=roles))


def test_registry_covers_what_the_forum_consumes() -> None:
    assert set(PROFILES_HANDLERS) == {
        events.PERSON_UPSERTED,
        events.PERSON_DELETED,
        events.COHORT_CREATED,
        events.COHORT_ORG_JOINED,
        events.COHORT_ORG_LEFT,
        events.COHORT_MEMBER_ADDED,
        events.COHORT_MEMBER_REMOVED,
    }
    assert set(MATCHER_HANDLERS) == {events.ANSWERERS_SUGGESTED}
    assert HANDLERS == {**PROFILES_HANDLERS, **MATCHER_HANDLERS}


async def test_same_event_twice_changes_nothing_and_late_events_lose(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    await apply(database, upsert("p1", "P1", 1, []))
    added = member("K", "p1", True, 10)
    assert await apply(database, added) is True
    assert await apply(database, added) is False
    assert (await caller(database, "p1")).cohort_ids == {"K"}
    # Removed at 20; an "added" from time 5 arriving late does not undo it.
    assert await apply(database, member("K", "p1", False, 20))
    assert await apply(database, member("K", "p1", True, 5))
    assert (await caller(database, "p1")).cohort_ids == frozenset()
    # Types the forum does not handle are ignored.
    other = events.make_event(events.OrgCreated(org_id="A", name="A", kind="partner"))
    assert await apply(database, other) is False


async def test_person_upserts_are_last_writer_wins(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    await apply(database, upsert("p9", "Newer", 20, ["K"]))
    await apply(database, upsert("p9", "Older", 10, []))
    async with database.transaction() as session:
        name = await session.scalar(sa.select(people.c.display_name).where(people.c.id == "p9"))
    assert name == "Newer"
    assert (await caller(database, "p9")).cohort_ids == {"K"}
    # cohort_ids seed memberships but never remove one an explicit event made.
    await apply(database, member("K", "p9", False, 30))
    await apply(database, upsert("p9", "Newest", 40, ["K"]))
    assert (await caller(database, "p9")).cohort_ids == frozenset()


async def test_cohort_admins_and_org_leaving(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    await apply(database, upsert("p1", "Member", 1, []))
    await apply(database, upsert("p2", "Admin", 1, [], roles=["org_admin"]))
    created = events.CohortCreated(cohort_id="K", name="K", owner_org_id="A", member_org_ids=["A", "B"])
    await apply(database, events.make_event(created, occurred_at=at(1)))
    await apply(database, member("K", "p1", True, 2))
    assert (await caller(database, "p2")).admin_cohort_ids == {"K"}
    left = events.CohortOrgLeft(cohort_id="K", org_id="B")
    await apply(database, events.make_event(left, occurred_at=at(3)))
    assert (await caller(database, "p2")).admin_cohort_ids == frozenset()
    assert (await caller(database, "p1")).cohort_ids == frozenset()


async def test_a_person_not_known_yet_is_taken_as_a_person_of_no_org(database: Database) -> None:
    """Issue 9 §3: the token's org and roles grant nothing until the profile arrives."""
    await database.migrate(MIGRATIONS)
    unknown = await caller(database, "p-new", roles=("org_admin",))
    assert (unknown.person_id, unknown.org_id, unknown.roles) == ("p-new", None, ())
    await apply(database, upsert("p-new", "New", 1, [], roles=["org_admin"]))
    known = await caller(database, "p-new")
    assert (known.org_id, known.roles) == ("B", ("org_admin",))


async def test_suggestions_keep_the_newest(database: Database) -> None:
    await database.migrate(MIGRATIONS)

    def suggested(title: str, when: int) -> events.Event:
        data = events.AnswerersSuggested(
            thread_id="t1", related=[events.RelatedThread(thread_id="t2", title=title, score=0.5)]
        )
        return events.make_event(data, occurred_at=at(when))

    await apply(database, suggested("new", 20))
    await apply(database, suggested("old", 10))
    async with database.transaction() as session:
        payload = await suggestions_for(session, "t1")
    assert payload is not None and b'"new"' in payload
