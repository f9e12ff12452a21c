"""Matcher replicas: two apps on one database and one NATS share the durable consumers, and each
keeps its own in-memory index in step through the log of index changes.

What a user would notice if it broke: a list computed by the replica that did not see a change
(a declined person back, a withdrawn consent still shown), a suggestion computed twice, or a
replica that started late missing what happened before it. Each test runs on SQLite and on
PostgreSQL; the apps are real (consumers, lifespan, background tasks), fed by real events.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
import pytest
import pytest_asyncio
import sqlalchemy as sa

from peerlearn import events
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.waiting import eventually, settled
from peerlearn_matcher.adapters import refresh_backlog, store
from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.index import LiveIndex
from peerlearn_matcher.app import create_app
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.routing_model import LEARNED, RoutingModel
from peerlearn_matcher.domain.suggesting import suggest
from peerlearn_matcher.settings import MatcherSettings
from peerlearn_matcher.usecases.matcher import Matcher
from peerlearn_matcher.usecases.routing_training import install, routing_model_in_use, train_routing

from .conftest import Harness, answered, feeder, matcher_settings, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Pair(Harness):
    """Replica A (``parts``, ``client``) and replica B (``other``, ``other_client``)."""

    other: Matcher | None = None
    other_client: Any = None
    settings: MatcherSettings | None = None

    @property
    def b(self) -> Matcher:
        assert self.other is not None
        return self.other

    async def processed(self, event_id: str) -> None:
        """Wait until one replica applied the event and both are idle and caught up."""
        await settled(self.database, [event_id], within=20)
        await self.quiet()

    async def quiet(self) -> None:
        async def idle() -> bool:
            return self.parts.idle and self.b.idle

        await eventually(idle, timeout=20)
        for replica in (self.parts, self.b):
            await replica.index.catch_up()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(
    module_nats: NatsServer,
    module_database_url: str,
    encoder: Encoder,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Pair]:
    """Two matcher apps on one database (each with its own engine, as two processes have)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    # Load caps high: people of every test see each other, and no test here is about the caps.
    settings = matcher_settings(
        module_nats.url, tmp_path_factory.mktemp("var"), load_cap_per_week="1000", catch_up_seconds="0.2"
    )
    first, second = Database(module_database_url, schema=schema), Database(module_database_url, schema=schema)
    app_a = create_app(settings, database=first, encoder=encoder)
    try:
        async with feeder(module_nats.url) as (bus, tap), app_client(app_a) as client_a:
            a: Matcher = app_a.state.matcher
            await a.index.ready.wait()
            app_b = create_app(settings, database=second, encoder=encoder)
            async with app_client(app_b) as client_b:
                b: Matcher = app_b.state.matcher
                await b.index.ready.wait()
                yield Pair(
                    client=client_a,
                    parts=a,
                    bus=bus,
                    tap=tap,
                    other=b,
                    other_client=client_b,
                    settings=settings,
                )
    finally:
        await first.dispose()
        await second.dispose()


def picture(engine: Engine) -> dict[str, Any]:
    """What an index holds that suggestions and routing read, comparable across replicas."""
    return {
        "people": {p: (r.profile, sorted(r.cohorts)) for p, r in engine.people.records.items()},
        "threads": {
            t: (r.title, r.tags, r.accepted_post_id, r.accepted_author_id) for t, r in engine.threads.items()
        },
        "posts": dict(engine.posts.items()),
        "members": {c: sorted(p) for c, p in engine.members.items() if p},
        "cohort_names": dict(engine.cohort_names),
        "declined": {p: sorted(c) for p, c in engine.declined.items() if c},
        "accepted": {p: sorted(c) for p, c in engine.accepted.items() if c},
        "mentees": {p: sorted(c) for p, c in engine.mentees.items() if c},
        "declined_threads": {p: sorted(t) for p, t in engine.declined_threads.items() if t},
        "exposures": {k: sorted(t) for k, t in engine.exposures.items() if t},
    }


def lists(engine: Engine) -> dict[str, list[tuple[str, str, float]]]:
    """Every person's suggestions as this engine computes them now."""
    return {
        p: [(s.kind, s.candidate_id, round(s.score, 5)) for s in suggest(engine, p)]
        for p in sorted(engine.people.records)
    }


async def fresh_index(pair: Pair) -> LiveIndex:
    """An index loaded from the database alone, as a replica starting now would load it."""
    assert pair.settings is not None
    index = LiveIndex(pair.database, pair.parts.index.encoder, pair.settings)
    await index.start()
    return index


async def _community(pair: Pair) -> dict[str, events.PersonProfile]:
    """Three orgs, a cohort across two, learners and mentors, a question answered and accepted;
    Di (the third org's, open to outsiders) is in nobody's org or cohort."""
    acme, beta, gamma = new_org(), new_org(), new_org()
    people = {
        "ada": await pair.upsert(
            person(acme, "Rep Ada", want={"pandas": 1, "sql": 1}, goal="analyse sales data")
        ),
        "bo": await pair.upsert(
            person(
                acme, "Rep Bo", have={"pandas": 4, "sql": 4}, roles=("learner", "mentor"), mentor_capacity=2
            )
        ),
        "cy": await pair.upsert(
            person(beta, "Rep Cy", have={"sql": 3}, want={"pandas": 2}, open_to_external=True)
        ),
        "di": await pair.upsert(
            person(
                gamma,
                "Rep Di",
                have={"pandas": 5, "pandas groupby": 5},
                roles=("expert",),
                mentor_capacity=1,
                open_to_external=True,
            )
        ),
    }
    cohort = await pair.cohort("Data guild", acme, acme, beta)
    for key in ("ada", "cy"):
        await pair.join(cohort, people[key])
    question = thread(people["ada"], "How do I pivot a sales table in pandas?", tags=("pandas",))
    await answered(pair, question, people["bo"])
    return people


async def test_both_replicas_hold_the_same_index_as_a_fresh_load(pair: Pair) -> None:
    await _community(pair)
    a, b = pair.parts.index.engine, pair.b.index.engine
    fresh = await fresh_index(pair)
    # Each event was applied by one replica; the other reloaded what it changed.
    assert picture(a) == picture(b) == picture(fresh.engine)
    assert lists(a) == lists(b) == lists(fresh.engine)
    assert pair.parts.index.reloaded + pair.b.index.reloaded > 0


async def test_each_event_is_applied_once_across_the_replicas(pair: Pair) -> None:
    before = pair.parts.handled + pair.b.handled
    org = new_org()
    published = [await pair.upsert(person(org, f"Rep Once {i}", want={"excel": 1})) for i in range(6)]
    assert pair.parts.handled + pair.b.handled - before == len(published)
    for profile in published:
        assert profile.id in pair.parts.index.engine.people
        assert profile.id in pair.b.index.engine.people


async def test_a_decline_on_one_replica_holds_on_the_other(pair: Pair) -> None:
    people = await _community(pair)
    ada = people["ada"]
    offered = await pair.suggestions(ada)
    assert offered, "ada has suggestions"
    declined = offered[0]
    # Through replica B's HTTP API, though replica A may have computed the list.
    response = await pair.other_client.post(
        f"/v1/suggestions/{declined['id']}/feedback", json={"action": "decline"}, headers=pair.headers(ada)
    )
    assert response.status_code == 200, response.text
    await pair.quiet()
    for replica in (pair.parts, pair.b):
        assert declined["candidate_id"] in replica.index.engine.declined[ada.id]
    # Ada changes her goal: whichever replica recomputes her list, the declined person stays out.
    await pair.upsert(msgspec_replace(ada, goal="forecast demand with pandas"))
    assert declined["candidate_id"] not in {s["candidate_id"] for s in await pair.suggestions(ada)}
    assert picture(pair.parts.index.engine) == picture(pair.b.index.engine)


async def test_a_withdrawn_consent_leaves_every_replica(pair: Pair) -> None:
    people = await _community(pair)
    cy, di = people["cy"], people["di"]
    assert di.id in {s["candidate_id"] for s in await pair.suggestions(cy, "expert")}
    await pair.upsert(msgspec_replace(di, open_to_external=False))
    # Cy is not in Di's org and they share no cohort: nobody computes Di into Cy's list again.
    await pair.upsert(msgspec_replace(cy, goal="learn pandas groupby"))
    assert di.id not in {s["candidate_id"] for s in await pair.suggestions(cy)}
    for replica in (pair.parts, pair.b):
        assert di.id not in {s.candidate_id for s in suggest(replica.index.engine, cy.id)}


async def test_a_replica_started_later_loads_and_then_follows(pair: Pair) -> None:
    people = await _community(pair)
    late = await fresh_index(pair)
    later = await pair.upsert(person(people["ada"].org_id, "Rep Later", have={"pandas": 3}))
    assert later.id not in late.engine.people
    assert await late.catch_up()
    assert later.id in late.engine.people
    assert picture(late.engine) == picture(pair.parts.index.engine)


async def test_every_replica_routes_with_the_one_stored_routing_model(pair: Pair) -> None:
    # Each replica trained its own model before: one started before the labels existed and one
    # after routed the same question with different weights for an hour.
    await _community(pair)
    a, b = pair.parts, pair.b
    looked = await routing_model_in_use(pair.database)
    n = len(LEARNED)
    weights = np.linspace(-1.0, 2.0, n)
    model = RoutingModel(coefficients=weights, mean=np.zeros(n), scale=np.ones(n), stored_cases=30)
    assert await install(a, model, since=looked)
    await b.index.catch_up()
    for engine in (b.index.engine, (await fresh_index(pair)).engine):  # B, and a replica starting now
        theirs = engine.routing_model
        assert theirs is not None and theirs.coefficients is not None
        assert np.array_equal(theirs.coefficients, weights) and theirs.labelled == 30
    open_questions = [t for t, r in a.index.engine.threads.items() if r.kind == "question"]
    assert open_questions
    for thread_id in open_questions:
        ours = [(s.candidate_id, s.score) for s in answerers(a.index.engine, thread_id)]
        assert ours == [(s.candidate_id, s.score) for s in answerers(b.index.engine, thread_id)]
    # B trained from what it saw before A stored: its model does not replace A's anywhere.
    assert not await install(b, RoutingModel(), since=looked)
    assert b.index.engine.routing_model is not None and b.index.engine.routing_model.learned
    # Nor does a training that is not due (the stored one is minutes old) store anything.
    stored = await routing_model_in_use(pair.database)
    assert stored is not None and stored.model.learned
    assert await train_routing(b) is b.index.engine.routing_model
    after = await routing_model_in_use(pair.database)
    assert after is not None and after.id == stored.id


async def test_people_queued_for_a_refresh_outlive_the_replica_that_queued_them(pair: Pair) -> None:
    # The refresh backlog was in memory: a replica that died after committing a change, before
    # its refresher got to the people it touched indirectly, left their lists as they were.
    people = await _community(pair)
    ada = people["ada"]
    await pair.quiet()
    before = await pair.candidates(ada)
    assert before
    # As such a replica leaves things: Ada's list out of date (here: gone), her refresh queued in
    # the change's committed transaction, and no live replica told.
    async with pair.database.transaction() as session:
        await session.execute(sa.delete(m.suggestions).where(m.suggestions.c.person_id == ada.id))
        await refresh_backlog.queue(session, [ada.id], store.now())
    for replica in (pair.parts, pair.b):
        replica.index.signatures.pop(ada.id, None)
    assert await pair.candidates(ada) == []

    async def taken() -> bool:
        async with pair.database.reading() as session:
            return await refresh_backlog.queued(session) == 0

    await eventually(taken, timeout=10)  # a live replica's refresher looks every catch-up
    await pair.quiet()
    assert await pair.candidates(ada) == before


async def test_a_change_rolled_back_is_undone_in_memory(pair: Pair) -> None:
    people = await _community(pair)
    ada = people["ada"]
    index = pair.parts.index
    with pytest.raises(RuntimeError):
        async with index.writing(pair.parts.uow) as tx:
            index.engine.declined[ada.id].add("someone-made-up")
            await index.changed(tx, "person", ada.id)
            raise RuntimeError("the transaction fails after the index changed")
    assert "someone-made-up" in index.engine.declined[ada.id]
    async with index.writing(pair.parts.uow):
        pass  # the next transaction reloads what the failed one had changed
    assert "someone-made-up" not in index.engine.declined[ada.id]


def msgspec_replace(profile: events.PersonProfile, **changes: Any) -> events.PersonProfile:
    """The profile with ``changes``, as profiles publishes an edit."""
    return msgspec.structs.replace(profile, **changes)


async def test_a_tab_on_one_replica_gets_the_list_another_computed(pair: Pair) -> None:
    people = await _community(pair)
    ada = people["ada"]
    offered = await pair.suggestions(ada)
    assert offered
    declined = offered[0]["candidate_id"]

    async def without_declined(queue: asyncio.Queue[events.SuggestionsUpdated]) -> events.SuggestionsUpdated:
        while True:  # a list published before the decline may still be on its way
            update = await queue.get()
            if declined not in {s.candidate_id for s in update.suggestions}:
                return update

    async with pair.b.feed.subscribe(ada.id) as on_b, pair.parts.feed.subscribe(ada.id) as on_a:
        # Replica A computes Ada's new list (the decline's own transaction).
        response = await pair.client.post(
            f"/v1/suggestions/{offered[0]['id']}/feedback",
            json={"action": "decline"},
            headers=pair.headers(ada),
        )
        assert response.status_code == 200, response.text
        heard = await asyncio.wait_for(without_declined(on_b), timeout=10)
        assert heard.person_id == ada.id
        assert await asyncio.wait_for(without_declined(on_a), timeout=10) == heard
        await pair.quiet()
        await asyncio.sleep(0.5)  # A hears its own list too: that echo must not reach its tab again
        assert on_a.empty() and on_b.empty()


async def test_an_index_above_the_ann_threshold_gets_its_graph_off_the_event_loop(pair: Pair) -> None:
    await _community(pair)
    assert pair.settings is not None
    settings = msgspec.structs.replace(pair.settings, ann_above=2)
    index = LiveIndex(pair.database, pair.parts.index.encoder, settings)
    await index.start()  # loads, then builds the graphs in a worker thread before it is ready
    assert index.engine.people.offer.approximate
    for vectors in index.vector_indexes():
        assert not vectors.wants_graph  # built (or below the threshold: threads, in a short run)
    # The same lists as the exact index of a replica below the threshold (ties may come in
    # another order: the two hold people in different rows).
    assert {p: sorted(s) for p, s in lists(index.engine).items()} == {
        p: sorted(s) for p, s in lists(pair.parts.index.engine).items()
    }
    assert await index.build_graphs() == 0  # built once, then kept in step
