"""The learned routing's labels beyond accepted answers (issue 14's follow-through): on a
question nobody accepted an answer to, the first answer from someone it was routed to labels it;
an accepted question is labelled by its acceptance, once. Real NATS, the real encoder, SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest

from peerlearn_matcher.adapters import store
from peerlearn_matcher.domain.routing_model import RoutingModel
from peerlearn_matcher.usecases.routing_training import stored_routing_model

from .conftest import Harness, accept, answer, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOPICS = (
    "How do I merge two pandas dataframes on a date column?",
    "Why does pandas groupby drop my NaN keys?",
    "How can I pivot a pandas dataframe with duplicate index values?",
)


async def test_a_routed_person_s_answer_labels_the_question_once(matcher: Harness) -> None:
    org = new_org()
    quick = await matcher.upsert(person(org, "Rl Quick", have={"pandas": 5, "dataframes": 5}))
    slow = await matcher.upsert(person(org, "Rl Slow", have={"pandas": 4, "dataframes": 4}))
    outsider = await matcher.upsert(person(new_org(), "Rl Outsider"))
    asker = await matcher.upsert(person(org, "Rl Asker", want={"pandas": 1}))
    questions = RoutingModel().min_cases + 3
    accepted_too = 0
    for n in range(questions):
        matcher.engine.exposures.clear()  # these tests' weekly load cap (5) would stop the routing
        question = thread(asker, f"{TOPICS[n % len(TOPICS)]} (label {n})", tags=("pandas",))
        await matcher.publish(question)
        await answer(matcher, question, quick)
        second = await answer(matcher, question, slow)
        if n % 4 == 3:  # the asker accepts the second answer: that is the label, the only one
            await accept(matcher, question, second, slow.id)
            accepted_too += 1

    async with matcher.database.reading() as session:
        routed, _declines = await store.routing_labels(session)
    asked = [t for t in matcher.engine.threads.values() if t.author_id == asker.id]
    assert len(asked) == questions
    assert all({quick.id, slow.id} <= set(routed.get(t.id, ())) for t in asked)
    assert not any(outsider.id in people for people in routed.values())

    model = await stored_routing_model(matcher.database)
    # Every question but the first (nobody had answered before it: no candidates) is labelled
    # once: by its first routed answer (quick's), or by the acceptance (slow's) where there was one.
    assert len(model.cases) == questions - 1
    # The candidates keep the order in which they first answered: quick is row 0, slow row 1.
    winners = [case.winner for case in model.cases]
    assert winners.count(1) == accepted_too > 0 and winners.count(0) == questions - 1 - accepted_too
