"""Follow-through (issue 14): a routed question nobody answers goes to the next people, twice at most.

The first answerers keep their suggestion and five more join them each round; an answer from
anyone but the asker, or a question that was already old when first routed, stops it. Time is
passed in (``follow_through_due(at=…)``), so nothing here waits a day. Real NATS, the real
encoder, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from peerlearn import events
from peerlearn_matcher.adapters import routing_rounds
from peerlearn_matcher.domain.routing import FOLLOW_UP_ROUNDS
from peerlearn_matcher.usecases.follow_through import follow_through_due

from .conftest import Harness, answer, new_org, now, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

DAY = timedelta(hours=24, minutes=5)  # just past the default escalate_after


async def _routed(matcher: Harness, question: events.ThreadCreated) -> set[str]:
    response = await matcher.client.get(f"/v1/threads/{question.thread_id}/answerers", headers=matcher.admin)
    assert response.status_code == 200, response.text
    return {a["person_id"] for a in response.json()["answerers"]}


async def _org_with_experts(
    matcher: Harness, topic: str, count: int
) -> tuple[events.PersonProfile, list[str]]:
    org = new_org()
    experts = [await matcher.upsert(person(org, f"Ft Expert {n}", have={topic: 5})) for n in range(count)]
    asker = await matcher.upsert(person(org, "Ft Asker", want={topic: 1}))
    return asker, [e.id for e in experts]


async def test_an_unanswered_question_goes_to_five_more_people_twice_at_most(matcher: Harness) -> None:
    asker, experts = await _org_with_experts(matcher, "kelp farming", 16)
    question = thread(asker, "How deep should kelp lines hang?", visibility="org", tags=("kelp farming",))
    await matcher.publish(question)
    first = await _routed(matcher, question)
    assert len(first) == 5 and first <= set(experts)

    assert question.thread_id not in await follow_through_due(matcher.parts, now() + timedelta(hours=23))
    assert await _routed(matcher, question) == first

    assert question.thread_id in await follow_through_due(matcher.parts, now() + DAY)
    second = await _routed(matcher, question)
    assert first < second and len(second) == 10

    assert question.thread_id in await follow_through_due(matcher.parts, now() + 2 * DAY)
    third = await _routed(matcher, question)
    assert second < third and len(third) == 15

    assert question.thread_id not in await follow_through_due(matcher.parts, now() + 3 * DAY)
    assert await _routed(matcher, question) == third
    # The new people have the question among their own suggestions (what notify tells them of).
    newcomer = next(iter(third - second))
    response = await matcher.client.get(
        f"/v1/people/{newcomer}/suggestions", params={"kind": "answerer"}, headers=matcher.admin
    )
    assert question.thread_id in {s["thread_id"] for s in response.json()["items"]}


async def test_an_answer_stops_it_but_the_askers_own_reply_does_not(matcher: Harness) -> None:
    asker, _ = await _org_with_experts(matcher, "sourdough starters", 8)
    replied = thread(
        asker, "Why does my starter smell of acetone?", visibility="org", tags=("sourdough starters",)
    )
    answered = thread(
        asker, "How often should I feed a starter?", visibility="org", tags=("sourdough starters",)
    )
    await matcher.publish(replied)
    await matcher.publish(answered)
    await answer(matcher, replied, asker)  # the asker adds detail: still waiting for an answer
    await answer(matcher, answered, await matcher.upsert(person(asker.org_id, "Ft Colleague")))

    due = await follow_through_due(matcher.parts, now() + DAY)
    assert replied.thread_id in due
    assert answered.thread_id not in due


async def test_a_question_already_old_when_first_routed_is_not_followed_through(matcher: Harness) -> None:
    asker, _ = await _org_with_experts(matcher, "bee keeping", 8)
    old = thread(asker, "When do bees swarm?", visibility="org", tags=("bee keeping",))
    old = events.ThreadCreated(
        **{f: getattr(old, f) for f in old.__struct_fields__ if f != "created_at"},
        created_at=now() - timedelta(days=30),
    )
    await matcher.publish(old)
    assert await _routed(matcher, old)
    assert old.thread_id not in await follow_through_due(matcher.parts, now() + 5 * DAY)


async def test_a_round_two_replicas_found_due_is_counted_once(matcher: Harness) -> None:
    """Both replicas' looks find the question due; the second claim matches no row."""
    asker, _ = await _org_with_experts(matcher, "sourdough starters", 6)
    question = thread(
        asker, "Why does my starter smell of acetone?", visibility="org", tags=("sourdough starters",)
    )
    await matcher.publish(question)
    await _routed(matcher, question)
    at = now() + DAY
    before = at - timedelta(seconds=matcher.parts.settings.escalate_after)
    async with matcher.parts.uow.writing() as tx:
        assert question.thread_id in await routing_rounds.due(tx.session, before, FOLLOW_UP_ROUNDS, limit=50)
        claims = [
            await routing_rounds.claim_round(
                tx.session, question.thread_id, at, before=before, max_rounds=FOLLOW_UP_ROUNDS
            )
            for _ in range(2)
        ]
        assert claims == [True, False]
        assert await routing_rounds.rounds_of(tx.session, question.thread_id) == 1
