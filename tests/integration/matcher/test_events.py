"""Events in and out: the same event twice changes nothing; late old profiles are ignored;
a new question is routed and announced; malformed events do not stop the consumer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn.testing.waiting import eventually
from peerlearn_matcher.adapters import tables as models

from .conftest import Harness, new_org, now, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

STATE_TABLES = [t for t in models.metadata.sorted_tables if t.name not in {"processed_events"}]


async def snapshot(matcher: Harness) -> dict[str, Any]:
    """Every row the matcher keeps (except the processed-event marks), ordered."""
    out: dict[str, Any] = {}
    async with matcher.database.sessions() as session:
        for table in STATE_TABLES:
            columns = [c for c in table.columns if c.name not in {"sent_at"}]
            rows = (await session.execute(sa.select(*columns))).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


async def redeliver(matcher: Harness, event: events.Event) -> None:
    """Deliver ``event`` once more (another Nats-Msg-Id, so JetStream lets it through) and wait."""
    consumers = matcher.client.app.state.consumers  # type: ignore[attr-defined]
    before = sum(c.processed for c in consumers)
    await matcher.publish_raw(event)

    async def handled() -> bool:
        return sum(c.processed for c in consumers) > before and not matcher.parts.index.lock.locked()

    await eventually(handled)


def _scenario_events(org: str) -> list[tuple[str, Callable[[dict[str, Any]], events.Data]]]:
    return [
        ("person upserted", lambda ctx: events.PersonUpserted(person=ctx["learner2"])),
        (
            "member added",
            lambda ctx: events.CohortMemberAdded(
                cohort_id=ctx["cohort"], person_id=ctx["learner"].id, org_id=org
            ),
        ),
        ("thread created", lambda ctx: ctx["question"]),
        (
            "answer accepted",
            lambda ctx: events.AnswerAccepted(
                thread_id=ctx["question"].thread_id,
                post_id="post-" + ctx["learner"].id,
                answer_author_id=ctx["mentor"].id,
                asker_id=ctx["learner"].id,
                space_id=ctx["question"].space_id,
                visibility="public",
            ),
        ),
        ("person deleted", lambda ctx: events.PersonDeleted(person_id=ctx["learner2"].id, org_id=org)),
    ]


@pytest.mark.parametrize("step", range(5), ids=[name for name, _ in _scenario_events("x")])
async def test_the_same_event_twice_changes_nothing(matcher: Harness, step: int) -> None:
    org = new_org()
    mentor = await matcher.upsert(
        person(org, "Dup Mentor", have={"go": 5}, roles=("mentor",), mentor_capacity=2)
    )
    learner = await matcher.upsert(person(org, "Dup Learner", want={"golang": 1}))
    ctx: dict[str, Any] = {
        "mentor": mentor,
        "learner": learner,
        "learner2": person(org, "Dup Second", want={"go": 2}),
        "cohort": await matcher.cohort("Gophers", org),
        "question": thread(learner, "Go channels deadlock", tags=("go",)),
    }
    name, make = _scenario_events(org)[step]
    for _, earlier in _scenario_events(org)[:step]:
        await matcher.publish(earlier(ctx))
    event = await matcher.publish(make(ctx), org_id=org)
    await eventually(lambda: _relayed(matcher))
    before = await snapshot(matcher)
    await redeliver(matcher, event)
    await eventually(lambda: _relayed(matcher))
    assert await snapshot(matcher) == before, name


async def _relayed(matcher: Harness) -> bool:
    return await matcher.live_relay_pending() == 0


async def test_an_older_profile_delivered_late_is_ignored(matcher: Harness) -> None:
    org = new_org()
    mentor = await matcher.upsert(
        person(org, "Late Mentor", have={"sql": 5}, roles=("mentor",), mentor_capacity=2)
    )
    current = person(org, "Late Learner", want={"sql": 1})
    old = person(org, "Late Learner", want={"watercolour painting": 1}, person_id=current.id)
    at = now()
    await matcher.publish(events.PersonUpserted(person=current), occurred_at=at)
    await matcher.publish(events.PersonUpserted(person=old), occurred_at=at - timedelta(minutes=5))
    assert await matcher.candidates(current, "mentor") == [mentor.id]


async def test_a_new_question_is_routed_and_announced(matcher: Harness) -> None:
    org = new_org()
    helper = await matcher.upsert(person(org, "Hal Helper", have={"postgresql": 5, "sql tuning": 4}))
    asker = await matcher.upsert(person(org, "Ada Asker", want={"databases": 1}))
    question = thread(
        asker, "Why is my PostgreSQL query slow?", tags=("postgresql",), body="EXPLAIN shows a seq scan"
    )
    await matcher.publish(question)
    announced = await eventually(lambda: _announced(matcher, question.thread_id))
    assert helper.id in [a.person_id for a in announced.answerers]
    assert asker.id not in [a.person_id for a in announced.answerers]
    # The answerer sees the question in their own suggestions, naming the thread.
    mine = await matcher.suggestions(helper, "answerer")
    assert [(s["thread_id"], s["candidate_id"]) for s in mine] == [(question.thread_id, asker.id)]


async def _announced(matcher: Harness, thread_id: str) -> Any:
    found = [
        e.data
        for e in await matcher.matcher_events(events.ANSWERERS_SUGGESTED)
        if e.data.thread_id == thread_id
    ]
    return found[-1] if found else None


async def test_a_malformed_event_is_dead_lettered_and_the_next_one_handled(matcher: Harness) -> None:
    await matcher.bus.publish_raw(events.PERSON_UPSERTED, b'{"not": "an event"}', uuid.uuid4().hex)
    org = new_org()
    learner = await matcher.upsert(person(org, "After Garbage", want={"rust": 1}))
    assert learner.id in matcher.engine.people
