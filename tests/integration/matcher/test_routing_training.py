"""The live routing and ``peerlearn eval`` rank answerers with the same learned model (issue 14).

A forum's history (threads asked, answers written, answers accepted, with their stored times) is
replayed through the eval's learned ranker; once enough questions are labelled the engine routes
with the model that comes out, and ``peerlearn matcher routing-model`` shows it. Real NATS, the
real encoder, SQLite and PostgreSQL.
"""

from __future__ import annotations

import numpy as np
import pytest

from peerlearn_matcher.commands import describe_routing_model
from peerlearn_matcher.domain import answer_histories
from peerlearn_matcher.domain.answerer_evidence import FEATURES
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.routing_model import RoutingModel
from peerlearn_matcher.usecases.routing_training import (
    routing_model_in_use,
    stored_routing_model,
    train_routing,
)

from .conftest import Harness, accept, answer, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOPICS = (
    "How do I merge two pandas dataframes on a date column?",
    "Why does pandas groupby drop my NaN keys?",
    "How can I pivot a pandas dataframe with duplicate index values?",
    "What is the fastest way to read a large CSV into pandas?",
    "How do I resample a pandas time series to weekly totals?",
)


async def test_a_model_trained_on_the_history_routes_the_accepted_answerer_first(matcher: Harness) -> None:
    org = new_org()
    # Both answer every question; only the second one's answers are ever accepted, and the first
    # one's profile says pandas (the default weights count an offer as much as a topic).
    busy = await matcher.upsert(person(org, "Rt Busy", have={"pandas": 5, "dataframes": 5}))
    trusted = await matcher.upsert(person(org, "Rt Trusted"))
    asker = await matcher.upsert(person(org, "Rt Asker", want={"pandas": 1}))
    assert await train_routing(matcher.parts, every=0) is None  # no history yet: the default weights

    labelled = RoutingModel().min_cases + 5
    for n in range(labelled):
        question = thread(asker, f"{TOPICS[n % len(TOPICS)]} (case {n})", tags=("pandas",))
        await matcher.publish(question)
        await answer(matcher, question, busy)
        post_id = await answer(matcher, question, trusted)
        await accept(matcher, question, post_id, trusted.id)

    model = await train_routing(matcher.parts, every=0)
    engine = matcher.engine
    assert model is not None and model.learned and engine.routing_model is model
    # Every question but the first (nobody to rank yet) is a labelled case, all fitted on.
    assert len(model.cases) == labelled - 1
    assert model.window == (model.cases[0].asked_at, model.cases[-1].asked_at)
    assert model.held_out is not None and model.held_out[0] >= model.held_out[1]
    # Trained again on the same history: the refit replaces it only because it is no worse on the
    # latest held-out questions (both rank them perfectly), and it is the same model.
    again = await train_routing(matcher.parts, every=0)
    assert again is not None and again is engine.routing_model and again.held_out == (1.0, 1.0)
    assert again.coefficients is not None and model.coefficients is not None
    assert np.allclose(again.coefficients, model.coefficients)
    model = again
    # It is the model stored for every replica (its weights exactly, how many cases it saw), and
    # training again before it is due stores nothing and keeps it.
    in_use = await routing_model_in_use(matcher.database)
    assert in_use is not None and in_use.in_use is not None and in_use.model.coefficients is not None
    assert model.coefficients is not None
    assert np.array_equal(in_use.model.coefficients, model.coefficients)
    assert in_use.model.labelled == len(model.cases) and in_use.model.window == model.window
    assert await train_routing(matcher.parts) is model
    not_due = await routing_model_in_use(matcher.database)
    assert not_due is not None and not_due.id == in_use.id

    new = thread(asker, "How do I join pandas dataframes on two keys?", tags=("pandas",))
    await matcher.publish(new)
    engine.exposures.clear()  # a new week: both were routed more than these tests' load cap (5)
    routed = answerers(engine, new.thread_id)
    assert [s.candidate_id for s in routed][:2] == [trusted.id, busy.id]
    # Scores are the model's probabilities over those who cleared the evidence threshold.
    assert 0.0 < sum(s.score for s in routed) <= 1.0 + 1e-9
    assert routed[0].score > 0.5
    # The learned model's inputs as kept per audience equal those built from every post.
    record = engine.threads[new.thread_id]
    kept = engine.answer_histories.evidence_for(engine, record)
    fresh = answer_histories.build_evidence(engine, record)
    ids = [busy.id, trusted.id]
    at = engine.asked_at[new.thread_id]
    assert np.allclose(
        kept.features(record.vector, record.tags, ids, at),
        fresh.features(record.vector, record.tags, ids, at),
    )
    assert [s.candidate_id for s in answerers(engine, new.thread_id, cached=False)] == [
        s.candidate_id for s in routed
    ]

    # `peerlearn matcher routing-model` trains the same model from the database alone.
    stored = await stored_routing_model(matcher.database)
    assert stored.learned and len(stored.cases) == len(model.cases)
    assert stored.window == model.window
    rows = kept.features(record.vector, record.tags, ids, at)
    assert np.allclose(stored.score(rows), model.score(rows))
    text = describe_routing_model(stored)
    assert text.startswith("routing model: trained")
    assert f"labelled questions: {len(stored.cases)}" in text
    assert "held-out MRR" in text and "training window" in text
    assert any(name in text for name in FEATURES)

    # Without a learned model the engine routes with the default weights, as before.
    engine.routing_model = None
    default = answerers(engine, new.thread_id)
    assert {s.candidate_id for s in default} >= {trusted.id, busy.id}
    assert describe_routing_model(RoutingModel()).startswith("routing model: default weights")
    engine.routing_model = model
