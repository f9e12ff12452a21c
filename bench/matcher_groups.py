"""Study groups: how coherent peerlearn's groups are against random groups, and what they cost.

Seeded synthetic cohorts: learners' needs around 10 topic centres (384-d, like MiniLM vectors),
four organisations correlated with topic (80% of a topic's learners in one org), so that
coherence and org mixing pull against each other. Baseline, measured on the same cohorts: a
random split into the same group sizes. Also shown: plain k-means (what clustering alone would
give) and how far its cluster sizes are from the requested size.
Run: ``.venv/bin/python bench/matcher_groups.py [SEEDS]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from tqdm import tqdm

from peerlearn_matcher.domain.groups import GroupLearner, form_study_groups, group_sizes

SIZE = 5


def cohort(seed: int, n: int) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((10, 384))
    topic = rng.integers(0, 10, n)
    needs = centres[topic] + 1.2 * rng.standard_normal((n, 384))
    needs /= np.linalg.norm(needs, axis=1, keepdims=True)
    orgs = [f"org{t % 4}" if rng.random() < 0.8 else f"org{rng.integers(0, 4)}" for t in topic]
    return needs, orgs


def coherence(needs: np.ndarray, groups: list[np.ndarray]) -> float:
    """Mean over groups of the mean pairwise cosine of members' needs."""
    values = []
    for members in groups:
        block = needs[members] @ needs[members].T
        k = len(members)
        values.append((block.sum() - np.trace(block)) / (k * (k - 1)))
    return float(np.mean(values))


def main(seeds: int, n: int = 300) -> None:
    rows: dict[str, list[float]] = {"random": [], "kmeans": [], "peerlearn": []}
    single: list[int] = []
    off_size: list[int] = []
    seconds: list[float] = []
    for seed in tqdm(range(seeds), desc="cohorts"):
        needs, orgs = cohort(seed, n)
        sizes = group_sizes(n, SIZE)
        order = np.random.default_rng(seed).permutation(n)
        rows["random"].append(coherence(needs, np.split(order, np.cumsum(sizes)[:-1])))
        labels = KMeans(n_clusters=len(sizes), n_init=10, random_state=seed).fit_predict(needs)
        clusters = [np.flatnonzero(labels == g) for g in range(len(sizes))]
        rows["kmeans"].append(coherence(needs, [c for c in clusters if len(c) > 1]))
        off_size.append(sum(abs(len(c) - SIZE) > 1 for c in clusters))
        learners = [GroupLearner(str(i), orgs[i], needs[i]) for i in range(n)]
        started = time.perf_counter()
        groups = form_study_groups(learners, SIZE, seed=seed)
        seconds.append(time.perf_counter() - started)
        rows["peerlearn"].append(coherence(needs, [np.array([int(m) for m in g.member_ids]) for g in groups]))
        single.append(sum(len(g.org_ids) == 1 for g in groups))
    base = float(np.mean(rows["random"]))
    print(f"{n} learners, groups of {SIZE}, {seeds} seeded cohorts")
    print(f"{'grouping':52} {'coherence':>10} {'vs random':>10}")
    print(f"{'random split into groups of 5 (baseline)':52} {base:10.3f} {1.0:10.2f}")
    km = float(np.mean(rows["kmeans"]))
    print(f"{'plain k-means (sizes not controlled)':52} {km:10.3f} {km / base:10.2f}")
    pl = float(np.mean(rows["peerlearn"]))
    print(f"{'peerlearn: balanced k-means + org mixing':52} {pl:10.3f} {pl / base:10.2f}")
    total = len(group_sizes(n, SIZE))
    print(f"plain k-means: {np.mean(off_size):.0f} of {total} clusters outside 5 ± 1 on average")
    print(f"peerlearn: {np.mean(single):.1f} single-org groups; median {np.median(seconds):.2f} s per cohort")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
