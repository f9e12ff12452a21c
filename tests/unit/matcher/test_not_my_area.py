""" "Not my area" on hand-made vectors: a declined question never returns to the person, similar
ones score lower, dissimilar ones are untouched, and the asker stays suggestable (issue 11/14)."""

from __future__ import annotations

import numpy as np

from peerlearn.events import PersonProfile, Skill
from peerlearn_matcher.domain.answerers import SIMILAR_TOPIC, Candidate, declined_closeness, rank_answerers
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.suggesting import suggest
from peerlearn_matcher.domain.threads import ThreadRecord

DIM = 3


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, np.float32)
    return vector / np.linalg.norm(vector)


def test_declined_closeness_counts_only_similar_questions() -> None:
    declined = np.stack([_unit(1, 0, 0)])
    assert declined_closeness(_unit(1, 0.2, 0), declined) > 0.9
    assert declined_closeness(_unit(0, 1, 0), declined) == 0.0  # unrelated: no penalty
    assert declined_closeness(_unit(1, 0, 0), None) == 0.0
    just_below = _unit(SIMILAR_TOPIC - 0.01, np.sqrt(1 - (SIMILAR_TOPIC - 0.01) ** 2), 0)
    assert declined_closeness(just_below, declined) == 0.0


def test_a_decline_lowers_the_score_of_similar_questions_only() -> None:
    people = [Candidate("ana", _unit(1, 1, 0)), Candidate("bob", _unit(1, 1, 0))]
    declined = {"ana": np.stack([_unit(1, 0, 0)])}
    similar = {r.person_id: r for r in rank_answerers(_unit(1, 0.1, 0), people, declined=declined)}
    assert similar["ana"].score < similar["bob"].score
    assert similar["ana"].features["declined_similarity"] > 0.9
    other = {r.person_id: r.score for r in rank_answerers(_unit(0, 1, 0), people, declined=declined)}
    assert other["ana"] == other["bob"]


def _person(engine: Engine, pid: str, have: np.ndarray | None, want: np.ndarray | None) -> None:
    skills = ([Skill(name=f"{pid} offer", level=4)] if have is not None else []) + (
        [Skill(name="topic", level=1, wants=True)] if want is not None else []
    )
    profile = PersonProfile(id=pid, org_id="org", display_name=pid, roles=["learner"], skills=skills)  # type: ignore[arg-type]
    have_s, want_s = split_skills(profile)
    have_v = (np.stack([have]) if have is not None else np.zeros((0, DIM))).astype(np.float32)
    want_v = (np.stack([want]) if want is not None else np.zeros((0, DIM))).astype(np.float32)
    record = PersonRecord(profile, have_s, want_s, have_v, want_v, None)
    engine.put_person(record, offer_vector(record, None, DIM), need_vector(record, DIM))


def _question(engine: Engine, tid: str, vector: np.ndarray) -> None:
    thread = ThreadRecord(tid, "s1", "org", "org", None, "asker", "question", f"{tid}?")
    thread.vector = vector
    engine.put_thread(thread)


def test_an_answerer_decline_is_about_the_question_not_the_asker() -> None:
    engine = Engine(DIM)
    _person(engine, "helper", _unit(1, 0.3, 0.3), _unit(0, 0, 1))
    _person(engine, "twin", _unit(1, 0.3, 0.3), None)
    _person(engine, "asker", None, _unit(0, 0, 1))
    _question(engine, "a", _unit(1, 0.05, 0))
    _question(engine, "b", _unit(1, 0, 0.05))  # close to a
    _question(engine, "c", _unit(0, 1, 0.3))  # far from a
    assert "asker" in [s.candidate_id for s in suggest(engine, "helper") if s.kind == "peer"]
    assert {s.candidate_id for s in answerers(engine, "a")} == {"helper", "twin"}

    engine.record_feedback("helper", "asker", "answerer", "decline", "a")

    assert [s.candidate_id for s in answerers(engine, "a")] == ["twin"]  # never again
    assert [s.candidate_id for s in answerers(engine, "b")] == ["twin"]  # similar: below the bar
    assert {s.candidate_id for s in answerers(engine, "c")} == {"helper", "twin"}
    assert "asker" in [s.candidate_id for s in suggest(engine, "helper") if s.kind == "peer"]
    # Gone with the thread, and with the person.
    engine.remove_thread("a")
    assert "b" in {t for t in engine.threads} and not engine.decliners.get("a")
    engine.record_feedback("helper", "asker", "answerer", "decline", "b")
    engine.remove_person("helper")
    assert "helper" not in engine.declined_threads and not engine.decliners["b"]
