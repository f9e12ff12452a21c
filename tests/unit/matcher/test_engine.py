"""The engine's filters on hand-made vectors: consent, cohorts, capacity, declines, caps, deletion."""

from __future__ import annotations

import numpy as np

from peerlearn.events import PersonProfile, Skill
from peerlearn_matcher.domain.engine import Engine, Limits
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.suggesting import suggest

DIM = 4
TOPIC = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)


def add(
    engine: Engine,
    pid: str,
    org: str,
    *,
    have: int = 0,
    want: int = 0,
    roles: tuple[str, ...] = ("learner",),
    capacity: int = 0,
    external: bool = False,
    cohorts: tuple[str, ...] = (),
) -> None:
    skills = ([Skill(name="topic", level=have)] if have else []) + (
        [Skill(name="topic", level=want, wants=True)] if want else []
    )
    profile = PersonProfile(
        id=pid,
        org_id=org,
        display_name=pid,
        roles=list(roles),
        skills=skills,  # type: ignore[arg-type]
        mentor_capacity=capacity,
        open_to_external=external,
        weekly_hours=5,
    )
    have_s, want_s = split_skills(profile)
    have_v = np.tile(TOPIC, (len(have_s), 1)).reshape(len(have_s), DIM)
    want_v = np.tile(TOPIC, (len(want_s), 1)).reshape(len(want_s), DIM)
    record = PersonRecord(profile, have_s, want_s, have_v, want_v, None)
    for cohort in cohorts:
        engine.members[cohort].add(pid)
    engine.put_person(record, offer_vector(record, None, DIM), need_vector(record, DIM))


def kinds(engine: Engine, pid: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in suggest(engine, pid):
        out.setdefault(s.kind, []).append(s.candidate_id)
    return out


def test_cross_org_needs_consent_or_a_shared_cohort() -> None:
    engine = Engine(DIM)
    add(engine, "me", "a", want=1, cohorts=("c",))
    add(engine, "closed", "b", have=5, roles=("expert",))
    add(engine, "open", "b", have=5, roles=("expert",), external=True)
    add(engine, "cohort-mate", "c", have=5, roles=("expert",), cohorts=("c",))
    assert sorted(kinds(engine, "me")["expert"]) == ["cohort-mate", "open"]


def test_mentors_need_capacity_left_and_declines_never_return() -> None:
    engine = Engine(DIM)
    add(engine, "me", "a", want=1)
    add(engine, "other", "a", want=2)
    add(engine, "full", "a", have=5, roles=("mentor",), capacity=1)
    add(engine, "roomy", "a", have=4, roles=("mentor",), capacity=2)
    assert sorted(kinds(engine, "me")["mentor"]) == ["full", "roomy"]
    engine.record_feedback("other", "full", "mentor", "accept")
    engine.record_feedback("me", "roomy", "mentor", "decline")
    assert kinds(engine, "me").get("mentor", []) == []
    assert "roomy" not in kinds(engine, "me").get("peer", [])


def test_weekly_load_cap_and_deletion() -> None:
    engine = Engine(DIM, Limits(load_cap=1))
    add(engine, "m", "a", have=5, roles=("mentor",), capacity=5)
    add(engine, "l1", "a", want=1)
    add(engine, "l2", "a", want=1)
    engine.exposures[("mentor", "m")].add("l1")
    assert kinds(engine, "l1")["mentor"] == ["m"]  # already put forward to l1: stays
    assert kinds(engine, "l2").get("mentor", []) == []  # cap reached for anyone else
    engine.remove_person("m")
    engine.remove_person("l2")
    assert kinds(engine, "l1") == {}
    assert suggest(engine, "l2") == []


def test_a_mentor_must_be_above_my_level() -> None:
    engine = Engine(DIM)
    add(engine, "me", "a", want=4)
    add(engine, "junior", "a", have=3, roles=("mentor",), capacity=2)
    assert kinds(engine, "me").get("mentor", []) == []
