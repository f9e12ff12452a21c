"""Whole-cohort planning: study groups and mentor assignment, from the live read model.

This module gathers a cohort's learners and mentors and their vectors from the
:class:`~peerlearn_matcher.engine.Engine` (:func:`group_learners`, :func:`mentor_problem`: copies,
quick, made while the engine holds still) and hands them to the pure algorithms
(:func:`peerlearn_matcher.domain.groups.form_study_groups`, :func:`solve`, which runs
:func:`peerlearn_matcher.domain.assignment.assign_mentors`), which may run anywhere, for as long
as they take, while the engine moves on. Everyone involved is a member of the cohort, so
matching across its orgs is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peerlearn.events import Reason
from peerlearn_matcher.domain import matching
from peerlearn_matcher.domain.assignment import MentorAssignment, assign_mentors, assign_mentors_greedy
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.groups import GroupLearner, StudyGroup, form_study_groups
from peerlearn_matcher.domain.people import PersonRecord


def learners_of(engine: Engine, cohort_id: str) -> list[PersonRecord]:
    """Cohort members who want to learn something (a need vector), in id order."""
    out = []
    for person_id in sorted(engine.members.get(cohort_id, ())):
        record = engine.people.records.get(person_id)
        need = engine.people.need.vector(person_id)
        if record is not None and need is not None and np.any(need) and "learner" in record.profile.roles:
            out.append(record)
    return out


def mentors_of(engine: Engine, cohort_id: str) -> list[PersonRecord]:
    """Cohort members with the mentor role and capacity left, in id order."""
    left = engine.capacity_left()
    out = []
    for person_id in sorted(engine.members.get(cohort_id, ())):
        record = engine.people.records.get(person_id)
        row = engine.people.row(person_id)
        if record is not None and row is not None and engine.people.is_mentor[row] and left[row] > 0:
            out.append(record)
    return out


def group_learners(engine: Engine, cohort_id: str) -> list[GroupLearner]:
    """What grouping the cohort's learners needs, copied out of the engine."""
    return [
        GroupLearner(
            person_id=r.id,
            org_id=r.org_id,
            need_vector=np.array(engine.people.need.vector(r.id), copy=True),
            wanted_skills=[s.name for s in r.want],
        )
        for r in learners_of(engine, cohort_id)
    ]


def study_groups(engine: Engine, cohort_id: str, size: int) -> list[StudyGroup]:
    """The cohort's learners in groups of ``size`` ± 1."""
    return form_study_groups(group_learners(engine, cohort_id), size)


@dataclass
class Plan:
    """A mentor assignment with the greedy baseline's total beside it, and each pair's reasons."""

    assignment: MentorAssignment
    greedy_total: float
    reasons: dict[str, list[Reason]]


@dataclass
class MentorProblem:
    """A cohort's mentor assignment to solve: match quality and feasibility per (learner, mentor)."""

    quality: np.ndarray
    feasible: np.ndarray
    capacity: list[int]
    learner_ids: list[str]
    mentor_ids: list[str]
    pairs_of: dict[tuple[str, str], list[matching.SkillPair]]


def mentor_assignment(engine: Engine, cohort_id: str) -> Plan:
    """Every learner of the cohort one mentor, maximising total match quality under capacity."""
    return solve(mentor_problem(engine, cohort_id))


def mentor_problem(engine: Engine, cohort_id: str) -> MentorProblem:
    """The cohort's mentor assignment as numbers, copied out of the engine."""
    learners = [r for r in learners_of(engine, cohort_id)]
    mentors = mentors_of(engine, cohort_id)
    left = engine.capacity_left()
    quality = np.zeros((len(learners), len(mentors)))
    feasible = np.zeros((len(learners), len(mentors)), dtype=bool)
    pairs_of: dict[tuple[str, str], list[matching.SkillPair]] = {}
    for i, learner in enumerate(learners):
        need = engine.people.need.vector(learner.id)
        declined = engine.declined.get(learner.id, set())
        for j, mentor in enumerate(mentors):
            if mentor.id == learner.id or mentor.id in declined:
                continue
            pairs = matching.skill_pairs(learner.want, learner.want_vectors, mentor.have, mentor.have_vectors)
            pairs = [p for p in pairs if p.theirs.level > p.mine.level]
            if not pairs:
                continue
            similarity = float(engine.people.offer.vector(mentor.id) @ need)  # type: ignore[operator]
            quality[i, j] = 0.7 * max(0.0, similarity) + 0.3 * matching.level_gap(pairs)
            feasible[i, j] = True
            pairs_of[(learner.id, mentor.id)] = pairs
    capacity = [int(left[engine.people.row(m.id)]) for m in mentors]
    return MentorProblem(
        quality, feasible, capacity, [r.id for r in learners], [m.id for m in mentors], pairs_of
    )


def solve(problem: MentorProblem) -> Plan:
    """The best assignment of ``problem``, the greedy total beside it, and each pair's reasons."""
    p = problem
    best = assign_mentors(p.quality, p.capacity, p.learner_ids, p.mentor_ids, feasible=p.feasible)
    greedy = assign_mentors_greedy(p.quality, p.capacity, p.learner_ids, p.mentor_ids, feasible=p.feasible)
    reasons = {
        learner: [matching.pair_reason("mentor", pair) for pair in p.pairs_of.get((learner, mentor), [])[:3]]
        for learner, mentor in best.pairs.items()
    }
    return Plan(best, greedy.total_quality, reasons)
