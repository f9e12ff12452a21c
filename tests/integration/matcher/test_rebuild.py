"""`peerlearn matcher rebuild`: the state rebuilt from the streams alone equals the live state."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerlearn.store import Database
from peerlearn_matcher.adapters import tables
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.routing import related
from peerlearn_matcher.domain.suggesting import suggest
from peerlearn_matcher.usecases.rebuild import rebuild

from .conftest import Harness, answered, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

READ_MODEL = (
    "people",
    "profiles",
    "cohorts",
    "cohort_orgs",
    "cohort_members",
    "threads",
    "posts",
    "feedback",
)


def suggestions_of(engine: Engine) -> dict[str, list[tuple[str, str, float]]]:
    return {
        pid: [(s.kind, s.candidate_id, round(s.score, 5)) for s in suggest(engine, pid)]
        for pid in sorted(engine.people.records)
    }


async def rows(database: Database, name: str) -> list[str]:
    table = tables.metadata.tables[name]
    columns = [c for c in table.columns if c.name not in {"created_at", "suggestion_id"}]
    async with database.sessions() as session:
        return sorted(repr(tuple(r)) for r in (await session.execute(sa.select(*columns))).all())


async def test_rebuild_from_the_streams_equals_live(
    matcher: Harness, encoder: Encoder, module_database_url: str, tmp_path: Path
) -> None:
    org_a, org_b = new_org(), new_org()
    cohort = await matcher.cohort("Rebuild Cohort", org_a, org_b)
    mentor = await matcher.upsert(
        person(org_a, "Reb Mentor", have={"pandas": 5, "numpy": 4}, roles=("mentor",), mentor_capacity=2)
    )
    expert = await matcher.upsert(person(org_b, "Reb Expert", have={"dataframes": 5}, roles=("expert",)))
    learner = await matcher.upsert(
        person(org_a, "Reb Learner", want={"pandas": 1}, goal="analyse sales data")
    )
    peer = await matcher.upsert(person(org_a, "Reb Peer", want={"pandas": 2}))
    for member in (expert, learner):
        await matcher.join(cohort, member)
    await answered(matcher, thread(peer, "Pandas groupby is slow", tags=("pandas",)), mentor)
    await matcher.publish(thread(learner, "How to merge two dataframes?", tags=("pandas",)))
    [declined] = [s for s in await matcher.suggestions(learner, "peer") if s["candidate_id"] == peer.id]
    response = await matcher.client.post(
        f"/v1/suggestions/{declined['id']}/feedback",
        json={"action": "decline"},
        headers=matcher.headers(learner),
    )
    assert response.status_code == 200
    live_engine = matcher.engine
    assert peer.id not in [s.candidate_id for s in suggest(live_engine, learner.id)]

    if module_database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
    else:
        url = module_database_url
    target = Database(url, schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        report = await rebuild(matcher.parts.settings, database=target, encoder=encoder, bus=matcher.bus)
        assert report.people == len(live_engine.people)
        rebuilt = report.matcher.index.engine
        assert suggestions_of(rebuilt) == suggestions_of(live_engine)
        assert peer.id not in [s.candidate_id for s in suggest(rebuilt, learner.id)]  # the decline survived
        assert {mentor.id, peer.id} <= set(rebuilt.circles.of)  # the replayed forum's circles
        # Threads are back, with the same related threads (a deleted vector would change them).
        assert {t: related(rebuilt, t) for t in rebuilt.threads} == {
            t: related(live_engine, t) for t in live_engine.threads
        }
        assert set(rebuilt.threads) == set(live_engine.threads)
        for name in READ_MODEL:
            assert await rows(target, name) == await rows(matcher.database, name), name
    finally:
        await target.dispose()
