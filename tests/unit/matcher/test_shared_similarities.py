"""Routing's one pass over the answering history (issue 14): ranking and the learned model's
evidence read the same similarities, and what they compute from them is what each computed alone.

After every step of the random forum changes of ``test_answer_histories`` (fixed seed), for the
history and evidence kept per audience and for those built from every post: the evidence rows
given the history's similarities equal, bit for bit, the rows computed from the evidence's own
vectors, and ranking with them and a score floor returns exactly the unshared ranking cut at
that floor (the same people, scores, features and reasons).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest

from peerlearn_matcher.domain.answer_histories import build_evidence, build_history
from peerlearn_matcher.domain.answerer_evidence import FEATURES, AnswererEvidence
from peerlearn_matcher.domain.answerers import (
    MIN_ANSWERER_SCORE,
    Candidate,
    answer_similarities,
    rank_answerers,
)
from peerlearn_matcher.domain.engine import Engine

from .test_answer_histories import DIM, _person, _step

NEAREST = FEATURES.index("nearest_answered")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def test_shared_similarities_give_the_features_and_ranking_computed_alone() -> None:
    rng = random.Random(43)
    engine = Engine(DIM)
    engine.answer_histories.size = 3
    people = [f"u{i}" for i in range(12)]
    for pid in people:
        _person(engine, pid, rng)
    compared = 0
    for n in range(150):
        _step(engine, rng, n, people)
        questions = [t for t in engine.threads.values() if t.vector is not None]
        for thread in rng.sample(questions, min(3, len(questions))):
            vector = thread.vector
            assert vector is not None
            kept = engine.answer_histories.history_for(engine, thread)
            pairs = [
                (kept, engine.answer_histories.evidence_for(engine, thread)),
                (build_history(engine, thread), build_evidence(engine, thread)),
            ]
            ids = sorted(engine.people.records)
            offers = {p: o for p in ids if (o := engine.people.offer.vector(p)) is not None}
            at = engine.asked_at[thread.id]
            for history, evidence in pairs:
                if history is None:
                    assert len(evidence) == 0
                    continue
                sims = answer_similarities(history, vector)
                assert len(sims) == len(evidence)
                alone = evidence.features(vector, thread.tags, ids, at, offers)
                shared = evidence.features(vector, thread.tags, ids, at, offers, similarities=sims)
                assert np.array_equal(alone, shared), thread
                # The nearest answered thread, from a plain scan of each person's answers.
                for i, person in enumerate(ids):
                    own = [
                        float(s)
                        for s, h in zip(sims, history.codes, strict=True)
                        if h == history.code(person)
                    ]
                    assert alone[i, NEAREST] == (max(own) if own else 0.0)
                candidates = [
                    Candidate(
                        p, engine.people.offer.vector(p), [s.name for s in engine.people.records[p].have]
                    )
                    for p in ids
                ]
                every = rank_answerers(vector, candidates, history, question_tags=thread.tags, limit=None)
                cut = rank_answerers(
                    vector,
                    candidates,
                    history,
                    question_tags=thread.tags,
                    limit=None,
                    similarities=sims,
                    min_score=MIN_ANSWERER_SCORE,
                )
                assert cut == [r for r in every if r.score >= MIN_ANSWERER_SCORE], thread
                assert [r.reasons for r in cut] == [r.reasons for r in every[: len(cut)]]
                compared += len(history) > 0
    assert compared > 100


def test_similarities_of_another_length_are_refused() -> None:
    evidence = AnswererEvidence(DIM)
    vector = np.eye(DIM, dtype=np.float32)[0]
    evidence.answered("u1", "t1", vector, ["sql"], WHEN, WHEN)
    with pytest.raises(ValueError):
        evidence.features(vector, ["sql"], ["u1"], WHEN, similarities=np.zeros(2, np.float32))
