""" "Not my area" (issues 11 and 14): a routed answerer declines a routed question.

The decline is about the question, not its asker: the question never comes back to that person
(not even when it is re-routed), a similar question is not routed to them while a dissimilar one
still is, the asker stays suggested to them as a peer, and all of it survives a restart and
``peerlearn matcher rebuild``. Real NATS, the real encoder, SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from peerlearn import events
from peerlearn.store import Database
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.index import LiveIndex
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.suggesting import suggest
from peerlearn_matcher.usecases.rebuild import rebuild

from .conftest import Harness, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

SKILLS = {"postgresql": 5, "watercolour painting": 5}


async def _routed(matcher: Harness, question: events.ThreadCreated) -> set[str]:
    response = await matcher.client.get(f"/v1/threads/{question.thread_id}/answerers", headers=matcher.admin)
    assert response.status_code == 200, response.text
    return {a["person_id"] for a in response.json()["answerers"]}


def _edited(question: events.ThreadCreated, body: str) -> events.ThreadUpdated:
    fields: dict[str, Any] = {f: getattr(question, f) for f in question.__struct_fields__}
    return events.ThreadUpdated(**{**fields, "body": body})


def _state(engine: Engine, helper: str, asker: str, threads: dict[str, str]) -> dict[str, Any]:
    return {
        "routed": {name: {s.candidate_id for s in answerers(engine, t)} for name, t in threads.items()},
        "asker_is_a_peer": asker in [s.candidate_id for s in suggest(engine, helper) if s.kind == "peer"],
    }


class Declined:
    """A helper who declined question A of the asker, and a twin with the same skills."""

    def __init__(
        self,
        helper: events.PersonProfile,
        twin: events.PersonProfile,
        asker: events.PersonProfile,
        a: events.ThreadCreated,
    ) -> None:
        self.helper, self.twin, self.asker, self.a = helper, twin, asker, a


async def _declined(matcher: Harness) -> Declined:
    org = new_org()
    helper = await matcher.upsert(person(org, "Nma Helper", have=SKILLS, want={"python": 2}))
    twin = await matcher.upsert(person(org, "Nma Twin", have=SKILLS))  # the same, never declines
    asker = await matcher.upsert(person(org, "Nma Asker", want={"python": 1}))
    assert asker.id in await matcher.candidates(helper, "peer")
    a = thread(
        asker, "Why is my PostgreSQL query slow?", tags=("postgresql",), body="EXPLAIN shows a seq scan"
    )
    await matcher.publish(a)
    [routed] = await matcher.suggestions(helper, "answerer")
    assert routed["thread_id"] == a.thread_id
    response = await matcher.client.post(
        f"/v1/suggestions/{routed['id']}/feedback",
        json={"action": "decline"},
        headers=matcher.headers(helper),
    )
    assert response.status_code == 200, response.text
    return Declined(helper, twin, asker, a)


def _similar(asker: events.PersonProfile) -> events.ThreadCreated:
    """Cosine 0.78 to A with MiniLM."""
    return thread(
        asker,
        "How can I speed up a slow PostgreSQL query?",
        tags=("postgresql",),
        body="the query plan does a sequential scan",
    )


def _dissimilar(asker: events.PersonProfile) -> events.ThreadCreated:
    """Cosine 0.04 to A with MiniLM."""
    return thread(
        asker,
        "Which brushes suit watercolour painting?",
        tags=("watercolour painting",),
        body="I am starting with landscapes",
    )


async def test_the_asker_stays_suggested_as_a_peer(matcher: Harness) -> None:
    """They declined a question, not a person."""
    case = await _declined(matcher)
    assert case.asker.id in await matcher.candidates(case.helper, "peer")


async def test_a_similar_question_is_not_routed_to_them_a_dissimilar_one_still_is(matcher: Harness) -> None:
    case = await _declined(matcher)
    b, c = _similar(case.asker), _dissimilar(case.asker)
    await matcher.publish(b)
    assert case.twin.id in await _routed(matcher, b)
    assert case.helper.id not in await _routed(matcher, b)
    await matcher.publish(c)
    assert {case.helper.id, case.twin.id} <= await _routed(matcher, c)


async def test_a_reroute_never_brings_the_decliner_back(matcher: Harness) -> None:
    case = await _declined(matcher)
    await matcher.publish(_edited(case.a, "EXPLAIN shows a seq scan on a 10 GB table"))
    assert case.twin.id in await _routed(matcher, case.a)
    assert case.helper.id not in await _routed(matcher, case.a)
    assert await matcher.suggestions(case.helper, "answerer") == []


async def test_the_rule_survives_a_restart_and_a_rebuild(
    matcher: Harness, encoder: Encoder, module_database_url: str, tmp_path: Path
) -> None:
    case = await _declined(matcher)
    helper, asker = case.helper, case.asker
    b, c = _similar(asker), _dissimilar(asker)
    for question in (b, c):
        await matcher.publish(question)
    threads = {"a": case.a.thread_id, "b": b.thread_id, "c": c.thread_id}
    live = _state(matcher.engine, helper.id, asker.id, threads)
    expected = {
        "routed": {"a": {case.twin.id}, "b": {case.twin.id}, "c": {helper.id, case.twin.id}},
        "asker_is_a_peer": True,
    }
    assert live == expected

    # A restart loads the same rule from the store.
    restarted = LiveIndex(matcher.database, encoder, matcher.parts.settings)
    await restarted.start()
    assert _state(restarted.engine, helper.id, asker.id, threads) == expected

    # `peerlearn matcher rebuild` replays the feedback event and reproduces it.
    if module_database_url.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
    else:
        url = module_database_url
    target = Database(url, schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        report = await rebuild(matcher.parts.settings, database=target, encoder=encoder, bus=matcher.bus)
        rebuilt = report.matcher.index.engine
        assert _state(rebuilt, helper.id, asker.id, threads) == expected
        assert rebuilt.declined_threads[helper.id].keys() == {case.a.thread_id}
        again = LiveIndex(target, encoder, matcher.parts.settings)  # and a restart after the rebuild
        await again.start()
        assert _state(again.engine, helper.id, asker.id, threads) == expected
    finally:
        await target.dispose()
