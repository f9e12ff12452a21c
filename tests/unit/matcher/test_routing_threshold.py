"""Precision before reach: nobody is routed a question on evidence below MIN_ANSWERER_SCORE.

The demo's case: a data analyst (pandas, SQL, dbt, Airflow) was routed "Which accessibility
habits made you faster?" at score 0.14. Offers are built as the live service builds them: the
normalised sum of the person's skill vectors.
"""

from __future__ import annotations

import numpy as np

from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.domain.answerers import MIN_ANSWERER_SCORE, Candidate, rank_answerers

ANALYST = ["pandas", "SQL", "dbt", "Airflow"]
DESIGNER = ["UX research", "Figma", "Interaction design", "Accessibility", "Prototyping", "Design systems"]


def _offer(encoder: Encoder, skills: list[str]) -> np.ndarray:
    total = encoder.encode(skills).sum(axis=0)
    return total / np.linalg.norm(total)


def test_the_analyst_is_below_the_routing_threshold_and_the_designer_above(encoder: Encoder) -> None:
    question = encoder.encode(["Which accessibility habits made you faster?"])[0]
    people = [
        Candidate("analyst", _offer(encoder, ANALYST), ANALYST),
        Candidate("designer", _offer(encoder, DESIGNER), DESIGNER),
    ]

    scores = {r.person_id: r.score for r in rank_answerers(question, people, limit=None)}

    assert scores["analyst"] < MIN_ANSWERER_SCORE <= scores["designer"]


def test_routing_leaves_out_who_scores_below_the_threshold() -> None:
    from peerlearn.events import PersonProfile, Skill
    from peerlearn_matcher.domain.engine import Engine
    from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
    from peerlearn_matcher.domain.routing import answerers
    from peerlearn_matcher.domain.threads import ThreadRecord

    dim = 3
    engine = Engine(dim)
    for pid, direction in (
        ("close", [1.0, 0.1, 0.0]),
        ("far", [0.14, 0.99, 0.0]),
        ("asker", [0.0, 0.0, 1.0]),
    ):
        profile = PersonProfile(
            id=pid, org_id="org", display_name=pid, roles=["learner"], skills=[Skill(name=pid, level=3)]
        )
        have, want = split_skills(profile)
        vector = np.array([direction], np.float32)
        vector /= np.linalg.norm(vector)
        record = PersonRecord(profile, have, want, vector, np.zeros((0, dim), np.float32), None)
        engine.put_person(record, offer_vector(record, None, dim), need_vector(record, dim))
    thread = ThreadRecord("t1", "s1", "org", "org", None, "asker", "question", "Q?")
    thread.vector = np.array([1.0, 0.0, 0.0], np.float32)
    engine.put_thread(thread)

    assert [s.candidate_id for s in answerers(engine, "t1")] == ["close"]
