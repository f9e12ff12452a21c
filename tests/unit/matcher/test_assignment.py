"""Whole-cohort mentor assignment: optimal under capacity, honest about who is left out."""

from __future__ import annotations

import numpy as np
import pytest

from peerlearn_matcher.domain.assignment import (
    CAPACITY_TAKEN,
    NO_FEASIBLE_MENTOR,
    assign_mentors,
    assign_mentors_greedy,
)


def test_optimal_beats_assigning_one_learner_at_a_time() -> None:
    # ana's second choice is nearly as good; ben has only one good mentor, the one ana grabs first
    quality = np.array([[0.9, 0.8], [0.85, 0.1]])

    greedy = assign_mentors_greedy(quality, [1, 1], ["ana", "ben"], ["xia", "yan"])
    optimal = assign_mentors(quality, [1, 1], ["ana", "ben"], ["xia", "yan"])

    assert greedy.pairs == {"ana": "xia", "ben": "yan"}
    assert optimal.pairs == {"ana": "yan", "ben": "xia"}
    assert optimal.total_quality == pytest.approx(1.65)
    assert optimal.total_quality > greedy.total_quality


def test_no_mentor_takes_more_learners_than_their_capacity() -> None:
    rng = np.random.default_rng(3)
    quality = rng.random((9, 3))
    quality[:, 0] += 1.0  # everyone prefers the first mentor

    result = assign_mentors(quality, [2, 3, 4], [f"l{i}" for i in range(9)], ["m0", "m1", "m2"])

    assert result.load() == {"m0": 2, "m1": 3, "m2": 4}
    assert result.unassigned == {}


def test_learners_without_a_feasible_mentor_stay_unassigned_and_say_why() -> None:
    quality = np.array([[0.9, np.nan], [0.8, 0.7], [np.nan, np.nan]])
    feasible = np.array([[True, False], [True, True], [False, False]])

    result = assign_mentors(quality, [1, 0], ["ana", "ben", "cai"], ["xia", "yan"], feasible=feasible)

    assert result.pairs == {"ana": "xia"}
    assert result.unassigned == {"ben": CAPACITY_TAKEN, "cai": NO_FEASIBLE_MENTOR}


def test_assigning_more_learners_comes_before_a_higher_total() -> None:
    # giving xia to ana (0.99) would leave ben without anyone; ana can also have yan
    quality = np.array([[0.99, 0.01], [0.5, np.nan]])

    result = assign_mentors(quality, [1, 1], ["ana", "ben"], ["xia", "yan"])

    assert result.pairs == {"ana": "yan", "ben": "xia"}


def test_optimal_is_never_worse_than_greedy_on_random_cohorts() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        learners, mentors = int(rng.integers(2, 30)), int(rng.integers(1, 8))
        quality = rng.random((learners, mentors))
        capacity = rng.integers(0, 4, size=mentors)
        ids, mids = [f"l{i}" for i in range(learners)], [f"m{j}" for j in range(mentors)]

        optimal = assign_mentors(quality, capacity, ids, mids)
        greedy = assign_mentors_greedy(quality, capacity, ids, mids)

        assert len(optimal.pairs) == min(learners, int(capacity.sum()))
        assert optimal.total_quality >= greedy.total_quality - 1e-9


def test_a_quality_matrix_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        assign_mentors(np.zeros((2, 2)), [1, 1, 1], ["a", "b"], ["x", "y", "z"])
