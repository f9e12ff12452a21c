"""Whole-cohort mentor assignment: every learner one mentor, best total match under capacities.

Pure functions over a quality matrix (numpy + scipy). The caller computes ``quality[i, j]`` (how
good mentor ``j`` is for learner ``i``, higher is better) and a ``feasible`` mask (same org or
shared cohort, consent, not declined…) and passes each mentor's *remaining* capacity.

:func:`assign_mentors` is optimal: it solves the assignment problem with
``scipy.optimize.linear_sum_assignment`` on a capacity-expanded matrix (mentor ``j`` appears as
``capacity[j]`` identical columns, "slots"). Infeasible pairs get a penalty larger than any
possible gain, so the solver first assigns as many learners as can be assigned and only then
maximises quality; pairs that are still infeasible afterwards are dropped, and those learners are
reported unassigned with the reason. :func:`assign_mentors_greedy` is the baseline a cohort admin
would get by assigning one learner at a time (each takes their best mentor with capacity left);
``bench/matcher_assignment.py`` measures how much better the optimum is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy.optimize import linear_sum_assignment

NO_FEASIBLE_MENTOR = "no mentor they may be matched with has capacity in this cohort"
CAPACITY_TAKEN = "every mentor they may be matched with is at capacity"


@dataclass(frozen=True)
class MentorAssignment:
    """The outcome: learner id → mentor id, who is left without one and why, and the total quality."""

    pairs: dict[str, str]
    quality: dict[str, float]
    unassigned: dict[str, str] = field(default_factory=dict)
    total_quality: float = 0.0

    def load(self) -> dict[str, int]:
        """How many learners each mentor received."""
        counts: dict[str, int] = {}
        for mentor in self.pairs.values():
            counts[mentor] = counts.get(mentor, 0) + 1
        return counts


def _check(
    quality: np.ndarray,
    capacity: Sequence[int] | np.ndarray,
    learner_ids: Sequence[str],
    mentor_ids: Sequence[str],
    feasible: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q = np.asarray(quality, dtype=np.float64)
    if q.shape != (len(learner_ids), len(mentor_ids)):
        raise ValueError(f"quality has shape {q.shape}, expected ({len(learner_ids)}, {len(mentor_ids)})")
    cap = np.asarray(capacity, dtype=np.int64).reshape(-1)
    if cap.shape != (len(mentor_ids),):
        raise ValueError("capacity needs one entry per mentor")
    cap = np.maximum(cap, 0)
    ok = np.isfinite(q) if feasible is None else np.asarray(feasible, dtype=bool) & np.isfinite(q)
    if ok.shape != q.shape:
        raise ValueError("feasible must have the shape of quality")
    return q, cap, ok


def _result(
    chosen: dict[int, int],
    q: np.ndarray,
    ok: np.ndarray,
    learner_ids: Sequence[str],
    mentor_ids: Sequence[str],
) -> MentorAssignment:
    pairs = {learner_ids[i]: mentor_ids[j] for i, j in chosen.items()}
    quality = {learner_ids[i]: float(q[i, j]) for i, j in chosen.items()}
    unassigned = {
        learner_ids[i]: (CAPACITY_TAKEN if ok[i].any() else NO_FEASIBLE_MENTOR)
        for i in range(len(learner_ids))
        if i not in chosen
    }
    return MentorAssignment(pairs, quality, unassigned, float(sum(quality.values())))


def assign_mentors(
    quality: np.ndarray,
    capacity: Sequence[int] | np.ndarray,
    learner_ids: Sequence[str],
    mentor_ids: Sequence[str],
    *,
    feasible: np.ndarray | None = None,
    greedy: bool = False,
) -> MentorAssignment:
    """The optimal assignment: most learners assigned, then the largest total ``quality``.

    ``quality``: shape (learners, mentors), higher is better; NaN or -inf mark impossible pairs.
    ``capacity``: each mentor's remaining capacity (0 or less: takes nobody). ``feasible``: an
    optional boolean mask of allowed pairs. A learner with no feasible mentor, or whose feasible
    mentors are all full, is in ``unassigned`` with the reason. ``greedy``: the baseline instead
    (:func:`assign_mentors_greedy`).
    """
    q, cap, ok = _check(quality, capacity, learner_ids, mentor_ids, feasible)
    chosen = _greedy(q, cap, ok) if greedy else _optimal(q, cap, ok)
    return _result(chosen, q, ok, learner_ids, mentor_ids)


# The baseline, under its own name for those who compare the two (planning, the benchmark): learners
# in the given order each take their best feasible mentor with room.
assign_mentors_greedy = partial(assign_mentors, greedy=True)


def _optimal(q: np.ndarray, cap: np.ndarray, ok: np.ndarray) -> dict[int, int]:
    """Learner row → mentor column of the optimal assignment (the linear assignment over slots)."""
    slots = np.repeat(np.arange(q.shape[1]), cap)  # column k is a slot of mentor slots[k]
    if q.shape[0] == 0 or slots.size == 0:
        return {}
    gains = np.where(ok, q, 0.0)
    # A penalty above the whole spread of gains: one more feasible pair always beats any
    # redistribution of quality, so the solver never leaves a learner out to raise the total.
    spread = float(np.abs(gains).max()) if gains.size else 0.0
    penalty = 2.0 * spread * (q.shape[0] + 1) + 1.0
    cost = np.where(ok, -gains, penalty)[:, slots]
    rows, cols = linear_sum_assignment(cost)
    return {int(i): int(slots[k]) for i, k in zip(rows, cols, strict=True) if ok[i, slots[k]]}


def _greedy(q: np.ndarray, cap: np.ndarray, ok: np.ndarray) -> dict[int, int]:
    """Learner row → mentor column when each learner in turn takes their best mentor with room."""
    left = cap.copy()
    chosen: dict[int, int] = {}
    for i in range(q.shape[0]):
        usable = ok[i] & (left > 0)
        if not usable.any():
            continue
        j = int(np.argmax(np.where(usable, q[i], -np.inf)))
        chosen[i] = j
        left[j] -= 1
    return chosen
