"""A burst of questions (issue 11's 5 questions/s): embedded in few model calls, each routed once.

The matcher's consumers hand each fetched batch to ``prepare`` before applying it event by
event, so the texts of questions that queued up are encoded together; every question is still
applied once (processed events) and announced once. Real NATS, the real encoder, both engines.
"""

from __future__ import annotations

import asyncio

import pytest

from peerlearn import events
from peerlearn.testing.waiting import settled

from .conftest import Harness, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOPICS = ("index", "join", "window function", "query plan", "vacuum", "transaction", "CTE", "lock")


async def test_a_burst_of_questions_is_embedded_in_a_few_batches_and_each_routed_once(
    matcher: Harness,
) -> None:
    org = new_org()
    helpers = [
        await matcher.upsert(person(org, f"Helper {n}", have={"SQL": 5, "PostgreSQL": 4})) for n in range(3)
    ]
    asker = await matcher.upsert(person(org, "Asker", want={"SQL": 1}))
    burst = [
        events.make_event(
            thread(asker, f"#{n}: why is my {topic} slow in SQL? ({org})", body="PostgreSQL 16")
        )
        for n, topic in enumerate(TOPICS * 2)
    ]
    encoder = matcher.parts.index.encoder
    calls = encoder.model_calls
    # Published as fast as JetStream acks them: the first question is being embedded while the
    # rest queue, so they come in the consumer's next fetch, together.
    await asyncio.gather(*(matcher.bus.publish(event) for event in burst))
    await settled(matcher.database, [e.id for e in burst], within=60)
    await matcher.processed(burst[-1].id)

    # One at a time this is one model call per question; batched, a handful.
    assert encoder.model_calls - calls <= len(burst) // 2
    routed = [
        e
        for e in await matcher.matcher_events(events.ANSWERERS_SUGGESTED)
        if isinstance(e.data, events.AnswerersSuggested)
        and e.data.thread_id in {b.data.thread_id for b in burst}  # type: ignore[attr-defined]
    ]
    assert sorted(e.data.thread_id for e in routed) == sorted(b.data.thread_id for b in burst)  # type: ignore[attr-defined]
    for event in routed:
        assert {a.person_id for a in event.data.answerers} <= {h.id for h in helpers}  # type: ignore[attr-defined]
    # Routed for real (the module's weekly load cap of 5 leaves the later ones no one).
    assert all(event.data.answerers for event in routed[:3])  # type: ignore[attr-defined]
