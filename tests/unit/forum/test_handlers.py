"""The read model's handlers, called directly: idempotent, order-independent, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.store import Database
from peerlearn_forum.app import MIGRATIONS
from peerlearn_forum.handlers import HANDLERS, MATCHER_HANDLERS, PROFILES_HANDLERS, apply_event
from peerlearn_forum.models import people
from peerlearn_forum.store.readmodel import viewer_for

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def member(cohort: str, person: str, added: bool, when: int) -> events.Event:
    cls = events.CohortMemberAdded if added else events.CohortMemberRemoved
    return events.make_event(cls(cohort_id=cohort, person_id=person, org_id="B"), occurred_at=at(when))


async def cohorts_of(database: Database, person: str, org: str = "B") -> frozenset[str]:
    async with database.transaction() as session:
        viewer = await viewer_for(session, Principal(person_id=person, org_id=org))
    return viewer.cohort_ids


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
    added = member("K", "p1", True, 10)
    assert await apply_event(database, added) is True
    assert await apply_event(database, added) is False
    assert await cohorts_of(database, "p1") == {"K"}
    # Removed at 20; an "added" from time 5 arriving late does not undo it.
    assert await apply_event(database, member("K", "p1", False, 20))
    assert await apply_event(database, member("K", "p1", True, 5))
    assert await cohorts_of(database, "p1") == frozenset()
    # Unknown types are ignored.
    other = events.make_event(events.OrgCreated(org_id="A", name="A", kind="partner"))
    assert await apply_event(database, other) is False


async def test_person_upserts_are_last_writer_wins(database: Database) -> None:
    await database.migrate(MIGRATIONS)

    def upsert(name: str, when: int, cohorts: list[str]) -> events.Event:
        profile = events.PersonProfile(id="p9", org_id="B", display_name=name, cohort_ids=cohorts)
        return events.make_event(events.PersonUpserted(person=profile), occurred_at=at(when))

    await apply_event(database, upsert("Newer", 20, ["K"]))
    await apply_event(database, upsert("Older", 10, []))
    async with database.transaction() as session:
        name = await session.scalar(sa.select(people.c.display_name).where(people.c.id == "p9"))
    assert name == "Newer"
    assert await cohorts_of(database, "p9") == {"K"}
    # cohort_ids seed memberships but never remove one an explicit event made.
    await apply_event(database, member("K", "p9", False, 30))
    await apply_event(database, upsert("Newest", 40, ["K"]))
    assert await cohorts_of(database, "p9") == frozenset()


async def test_cohort_admins_and_org_leaving(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    created = events.CohortCreated(cohort_id="K", name="K", owner_org_id="A", member_org_ids=["A", "B"])
    await apply_event(database, events.make_event(created, occurred_at=at(1)))
    await apply_event(database, member("K", "p1", True, 2))
    async with database.transaction() as session:
        admin_b = await viewer_for(session, Principal(person_id="p2", org_id="B", roles=("org_admin",)))
    assert admin_b.admin_cohort_ids == {"K"}
    left = events.CohortOrgLeft(cohort_id="K", org_id="B")
    await apply_event(database, events.make_event(left, occurred_at=at(3)))
    async with database.transaction() as session:
        admin_b = await viewer_for(session, Principal(person_id="p2", org_id="B", roles=("org_admin",)))
    assert admin_b.admin_cohort_ids == frozenset()
    assert await cohorts_of(database, "p1") == frozenset()


async def test_suggestions_keep_the_newest(database: Database) -> None:
    from peerlearn_forum.store.readmodel import suggestions_for

    await database.migrate(MIGRATIONS)

    def suggested(title: str, when: int) -> events.Event:
        data = events.AnswerersSuggested(
            thread_id="t1", related=[events.RelatedThread(thread_id="t2", title=title, score=0.5)]
        )
        return events.make_event(data, occurred_at=at(when))

    await apply_event(database, suggested("new", 20))
    await apply_event(database, suggested("old", 10))
    async with database.transaction() as session:
        payload = await suggestions_for(session, "t1")
    assert payload is not None and b'"new"' in payload
