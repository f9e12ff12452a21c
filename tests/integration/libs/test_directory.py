"""The directory: one read model of profiles' people and cohorts, on SQLite and PostgreSQL.

Its rules (last writer wins, tombstones, memberships from membership events, the caller as
the directory knows them) and the SQL form of visibility agreeing with the pure rule on every
combination of caller and place.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.consuming import apply_once, processed_events_table
from peerlearn.directory.caller import ANONYMOUS, Caller, Where, may_moderate, may_see
from peerlearn.directory.handlers import directory_handlers
from peerlearn.directory.store import DirectoryStore
from peerlearn.directory.tables import directory_tables
from peerlearn.directory.visibility import moderated_by, visible_to
from peerlearn.store import Database
from peerlearn.unit_of_work import Transaction, UnitOfWork

metadata = sa.MetaData()
tables = directory_tables(metadata)
processed = processed_events_table(metadata)
places = sa.Table(
    "places",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("visibility", sa.String(10)),
    sa.Column("org_id", sa.String(10), nullable=True),
    sa.Column("cohort_id", sa.String(10), nullable=True),
)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def uow(migrated: Database) -> UnitOfWork:
    async with migrated.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return UnitOfWork(migrated)


@pytest.fixture
def store() -> DirectoryStore:
    return DirectoryStore(tables)


class Feed:
    """Publishes profiles' facts into the directory as its consumer would, with chosen times."""

    def __init__(self, uow: UnitOfWork, store: DirectoryStore, follow_ups: dict | None = None) -> None:
        self.uow = uow
        self.handlers = directory_handlers(store, follow_ups)

    async def __call__(self, data: events.Data, minutes: int = 0) -> events.Event:
        event = events.make_event(data, occurred_at=T0 + timedelta(minutes=minutes))
        await apply_once(self.uow, processed, self.handlers, event)
        return event


def profile(pid: str, org: str, *roles: str, cohorts: tuple[str, ...] = (), name: str = "") -> events.Data:
    return events.PersonUpserted(
        person=events.PersonProfile(
            id=pid, org_id=org, display_name=name or pid, roles=list(roles), cohort_ids=list(cohorts)
        )
    )


async def caller(uow: UnitOfWork, store: DirectoryStore, pid: str, **claims: object) -> Caller:
    principal = Principal(person_id=pid, org_id=str(claims.get("org", "o-token")), roles=("org_admin",))
    async with uow.reading() as tx:
        return await store.caller_for(tx.session, principal)


async def test_a_late_older_profile_never_undoes_a_newer_one(uow: UnitOfWork, store: DirectoryStore) -> None:
    feed = Feed(uow, store)
    await feed(profile("p1", "o1", "org_admin", name="New name"), minutes=5)
    await feed(profile("p1", "o1", "learner", name="Old name"), minutes=1)
    async with uow.reading() as tx:
        assert await store.display_names(tx.session, {"p1"}) == {"p1": "New name"}
    assert (await caller(uow, store, "p1")).roles == ("org_admin",)


async def test_an_erased_person_stays_erased_and_is_anonymous(uow: UnitOfWork, store: DirectoryStore) -> None:
    feed = Feed(uow, store)
    await feed(profile("p1", "o1", cohorts=("c1",)))
    await feed(events.PersonDeleted(person_id="p1", org_id="o1"), minutes=2)
    await feed(profile("p1", "o1", name="Back again?"), minutes=3)  # a late, replayed upsert
    assert await caller(uow, store, "p1") == ANONYMOUS
    async with uow.reading() as tx:
        assert await store.display_names(tx.session, {"p1"}) == {}
        assert await store.active_cohorts_of(tx.session, "p1") == set()
        assert not await store.knows_person(tx.session, "p1")


async def test_a_person_not_known_yet_is_of_no_org_whatever_the_token_says(
    uow: UnitOfWork, store: DirectoryStore
) -> None:
    stranger = await caller(uow, store, "p-new", org="o1")
    assert stranger.person_id == "p-new" and stranger.org_id is None and stranger.roles == ()
    assert may_see(stranger, Where("public"))
    assert not may_see(stranger, Where("org", org_id="o1"))


async def test_memberships_come_from_membership_events_and_a_profile_only_seeds(
    uow: UnitOfWork, store: DirectoryStore
) -> None:
    feed = Feed(uow, store)
    await feed(profile("p1", "o1", cohorts=("c1", "c2")), minutes=0)  # seeds c1 and c2
    await feed(events.CohortMemberRemoved(cohort_id="c1", person_id="p1", org_id="o1"), minutes=1)
    # A later profile event still naming c1 (sent before profiles saw the removal) does not undo it.
    await feed(profile("p1", "o1", cohorts=("c1", "c2")), minutes=2)
    # An older added arriving late does not undo the removal either.
    await feed(events.CohortMemberAdded(cohort_id="c1", person_id="p1", org_id="o1"), minutes=0)
    assert (await caller(uow, store, "p1")).cohort_ids == {"c2"}


async def test_an_org_leaving_a_cohort_takes_its_people_and_its_admins_rights(
    uow: UnitOfWork, store: DirectoryStore
) -> None:
    feed = Feed(uow, store)
    await feed(events.CohortCreated(cohort_id="c1", name="Data", owner_org_id="o1", member_org_ids=["o2"]))
    await feed(profile("admin2", "o2", "org_admin"))
    await feed(profile("p2", "o2"))
    await feed(events.CohortMemberAdded(cohort_id="c1", person_id="p2", org_id="o2"), minutes=1)
    admin = await caller(uow, store, "admin2")
    assert admin.admin_cohort_ids == {"c1"} and may_moderate(admin, Where("cohort", cohort_id="c1"))
    await feed(events.CohortOrgLeft(cohort_id="c1", org_id="o2"), minutes=2)
    assert (await caller(uow, store, "admin2")).admin_cohort_ids == frozenset()
    assert (await caller(uow, store, "p2")).cohort_ids == frozenset()
    async with uow.reading() as tx:
        assert await store.cohort_member_orgs(tx.session, "c1") == {"o1"}
        assert await store.cohort_member_orgs(tx.session, "c-unknown") is None


async def test_a_demoted_admin_loses_admin_rights_at_once(uow: UnitOfWork, store: DirectoryStore) -> None:
    feed = Feed(uow, store)
    await feed(events.CohortCreated(cohort_id="c1", name="Data", owner_org_id="o1"))
    await feed(profile("a1", "o1", "org_admin"))
    assert (await caller(uow, store, "a1")).administers_org("o1")
    await feed(profile("a1", "o1", "learner"), minutes=1)
    demoted = await caller(uow, store, "a1")
    assert not demoted.administers_org("o1") and demoted.admin_cohort_ids == frozenset()


async def test_several_callers_at_once_are_each_what_one_at_a_time_gives(
    uow: UnitOfWork, store: DirectoryStore
) -> None:
    # notify reads a question's routed answerers together: an admin of a cohort's member org,
    # a member, two admins of one org, an erased person and one not known yet.
    feed = Feed(uow, store)
    await feed(events.CohortCreated(cohort_id="c1", name="Data", owner_org_id="o1", member_org_ids=["o2"]))
    await feed(events.CohortCreated(cohort_id="c2", name="Ops", owner_org_id="o2"))
    await feed(profile("admin2", "o2", "org_admin"))
    await feed(profile("admin2b", "o2", "org_admin", "learner"))
    await feed(profile("p2", "o2", cohorts=("c1", "c2")))
    await feed(profile("p1", "o1"))
    await feed(profile("gone", "o1", cohorts=("c1",)))
    await feed(events.PersonDeleted(person_id="gone", org_id="o1"), minutes=1)
    people = ["p2", "admin2", "gone", "p-new", "admin2b", "p1"]
    async with uow.reading() as tx:
        together = await store.callers_of(tx.session, people)
    assert together == {pid: await caller(uow, store, pid) for pid in people}
    assert together["admin2"].admin_cohort_ids == {"c1", "c2"} == together["p2"].cohort_ids
    assert together["gone"] == ANONYMOUS and together["p-new"].org_id is None


async def test_a_follow_up_runs_in_the_same_transaction_and_knows_whether_anything_changed(
    uow: UnitOfWork, store: DirectoryStore
) -> None:
    seen: list[tuple[str, bool]] = []

    async def note(tx: Transaction, event: events.Event, changed: bool) -> None:
        seen.append((event.type, changed))

    feed = Feed(uow, store, {events.PERSON_UPSERTED: note})
    await feed(profile("p1", "o1"), minutes=2)
    await feed(profile("p1", "o1"), minutes=1)  # older: the directory keeps the newer
    assert seen == [(events.PERSON_UPSERTED, True), (events.PERSON_UPSERTED, False)]
    with pytest.raises(ValueError, match="does not handle"):
        directory_handlers(store, {events.POST_CREATED: note})


CALLERS = [
    ANONYMOUS,
    Caller(person_id=None, org_id=None, platform_admin=True),
    Caller(person_id="p", org_id=None),  # not known yet
    Caller(person_id="p", org_id="o1"),
    Caller(person_id="p", org_id="o1", roles=("org_admin",), admin_cohort_ids=frozenset({"c2"})),
    Caller(person_id="p", org_id="o2", cohort_ids=frozenset({"c1"})),
]
PLACES = [
    Where(v, o, c)
    for v, o, c in itertools.product(("public", "org", "cohort"), (None, "o1", "o2"), (None, "c1", "c2"))
]


async def test_the_sql_rule_and_the_pure_rule_agree_everywhere(uow: UnitOfWork) -> None:
    async with uow.writing() as tx:
        for n, place in enumerate(PLACES):
            await tx.session.execute(
                sa.insert(places).values(
                    id=n, visibility=place.visibility, org_id=place.org_id, cohort_id=place.cohort_id
                )
            )
    columns = (places.c.visibility, places.c.org_id, places.c.cohort_id)
    async with uow.reading() as tx:
        for who in CALLERS:
            seen = set(await tx.session.scalars(sa.select(places.c.id).where(visible_to(who, *columns))))
            assert seen == {n for n, p in enumerate(PLACES) if may_see(who, p)}, who
            moderated = set(
                await tx.session.scalars(sa.select(places.c.id).where(moderated_by(who, *columns)))
            )
            assert moderated == {n for n, p in enumerate(PLACES) if may_moderate(who, p)}, who
