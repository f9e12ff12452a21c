"""Whole-cohort mentor assignment: optimal (capacity-expanded linear_sum_assignment) vs greedy.

Seeded random cohorts: learners and mentors live in a few topic clusters (needs and offers are
noisy directions around topic centres, 32-d), match quality is their cosine (negative clipped to
0), and some pairs are infeasible (different orgs without a shared cohort: 20%). Mentors have a
capacity of 1 to 4. The greedy baseline, measured on the same cohorts, assigns learners one at a
time in arrival order, each to their best mentor with room. Two regimes: mentors scarce (total
capacity below the number of learners) and ample. Prints mean total quality, the ratio optimal /
greedy, learners assigned and solve times.
Run: ``.venv/bin/python bench/matcher_assignment.py [SEEDS]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from tqdm import tqdm

from peerlearn_matcher.domain.assignment import assign_mentors, assign_mentors_greedy

DIM = 32
TOPICS = 8


def cohort(seed: int, learners: int, mentors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quality matrix, capacities and feasibility mask of one random cohort."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TOPICS, DIM))

    def people(n: int) -> np.ndarray:
        v = centres[rng.integers(0, TOPICS, n)] + 0.9 * rng.standard_normal((n, DIM))
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    quality = np.clip(people(learners) @ people(mentors).T, 0.0, None)
    capacity = rng.integers(1, 5, mentors)
    feasible = rng.random((learners, mentors)) >= 0.2
    return quality, capacity, feasible


def main(seeds: int) -> None:
    print(
        f"{'regime':34} {'optimal':>9} {'greedy':>9} {'ratio':>7} {'assigned opt/greedy':>20}"
        f" {'opt ms':>8} {'greedy ms':>10}"
    )
    for regime, learners, mentors in (
        ("scarce: 300 learners, 80 mentors", 300, 80),
        ("ample: 300 learners, 150 mentors", 300, 150),
    ):
        totals = np.zeros((seeds, 2))
        assigned = np.zeros((seeds, 2))
        times = np.zeros((seeds, 2))
        ids = [f"l{i}" for i in range(learners)]
        mids = [f"m{j}" for j in range(mentors)]
        for seed in tqdm(range(seeds), desc=regime, leave=False):
            quality, capacity, feasible = cohort(seed, learners, mentors)
            for col, solve in enumerate((assign_mentors, assign_mentors_greedy)):
                started = time.perf_counter()
                result = solve(quality, capacity, ids, mids, feasible=feasible)
                times[seed, col] = (time.perf_counter() - started) * 1000
                totals[seed, col] = result.total_quality
                assigned[seed, col] = len(result.pairs)
        opt, greedy = totals.mean(axis=0)
        ratio = float(np.mean(totals[:, 0] / totals[:, 1]))
        counts = f"{assigned[:, 0].mean():.0f}/{assigned[:, 1].mean():.0f}"
        print(
            f"{regime:34} {opt:9.1f} {greedy:9.1f} {ratio:7.3f} {counts:>20}"
            f" {np.median(times[:, 0]):8.1f} {np.median(times[:, 1]):10.1f}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
