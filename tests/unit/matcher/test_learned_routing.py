"""Routing with a learned model (issue 14): the model's inputs kept per audience never go stale.

After every step of the random forum changes of ``test_answer_histories``, routing with a learned
model and the inputs kept per audience orders the same people as with inputs built from every
post, and without a model routing is the default weights' as before.
"""

from __future__ import annotations

import random

import numpy as np

from peerlearn_matcher.domain.answer_histories import build_evidence
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.routing_model import LEARNED, RoutingModel

from .test_answer_histories import DIM, _person, _step


def _model(rng: random.Random) -> RoutingModel:
    size = len(LEARNED)
    return RoutingModel(
        coefficients=np.array([rng.gauss(0, 1) for _ in range(size)]),
        mean=np.zeros(size),
        scale=np.ones(size),
    )


def test_learned_routing_with_kept_inputs_equals_a_fresh_build_after_every_change() -> None:
    rng = random.Random(41)
    engine = Engine(DIM)
    engine.limits.answerers = 50
    engine.answer_histories.size = 3
    people = [f"u{i}" for i in range(12)]
    for pid in people:
        _person(engine, pid, rng)
    model = _model(rng)
    compared = 0
    for n in range(150):
        _step(engine, rng, n, people)
        questions = [t for t in engine.threads.values() if t.vector is not None]
        for thread in rng.sample(questions, min(3, len(questions))):
            engine.routing_model = None
            default = answerers(engine, thread.id)
            engine.routing_model = model
            learned = answerers(engine, thread.id)
            fresh = answerers(engine, thread.id, cached=False)
            assert [s.candidate_id for s in learned] == [s.candidate_id for s in fresh], thread
            assert np.allclose([s.score for s in learned], [s.score for s in fresh])
            # The same people clear the evidence threshold; only their order is the model's.
            assert {s.candidate_id for s in learned} == {s.candidate_id for s in default}
            assert all(0.0 < s.score <= 1.0 for s in learned)
            vector = thread.vector
            assert vector is not None
            kept = engine.answer_histories.evidence_for(engine, thread)
            ids = sorted(engine.people.records)
            at = engine.asked_at[thread.id]
            assert np.allclose(
                kept.features(vector, thread.tags, ids, at),
                build_evidence(engine, thread).features(vector, thread.tags, ids, at),
            ), thread
            compared += len(learned) > 1
    assert compared > 10
