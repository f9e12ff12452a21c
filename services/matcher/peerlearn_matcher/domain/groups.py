"""Study groups: split a cohort's learners into groups of N (±1), coherent in topic, mixed in org.

Pure function over need vectors and metadata (numpy, scikit-learn, scipy).

Why this algorithm: the groups must have (near) equal sizes, so plain clustering is not enough:
k-means, agglomerative or spectral clustering all produce clusters of whatever size the data
suggests (one big "Python" cluster, a singleton "Rust"). We therefore run *balanced k-means*:
scikit-learn's ``KMeans`` finds ``k`` topic centres (k-means++ seeding, several restarts,
deterministic with a seed), then each learner is placed in a group *slot* by an optimal
assignment (``scipy.optimize.linear_sum_assignment`` on learner-by-slot cosine distances, each
centre offering as many slots as its group may hold), and centres are re-estimated from the
balanced groups a few times. That gives exact sizes with the least loss of coherence, in
O(n^2) memory — fine for cohorts of a few thousand learners. A final *mixing* step then swaps
members between groups so that no group is all from one organisation when the cohort has
several, always choosing the swap that costs the least coherence.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

BALANCING_ROUNDS = 5


@dataclass(frozen=True)
class GroupLearner:
    """A cohort learner: id, org, need vector (normalised) and the skill names they want to learn."""

    person_id: str
    org_id: str
    need_vector: np.ndarray
    wanted_skills: Sequence[str] = ()


@dataclass(frozen=True)
class StudyGroup:
    """One group: its members, their organisations, the topics they share and why they are together."""

    member_ids: list[str]
    org_ids: list[str]
    topics: list[str]
    coherence: float
    reasons: list[str]


def group_sizes(n: int, size: int) -> list[int]:
    """Sizes of the groups ``n`` learners split into: as close to ``size`` as can be, differing by ≤ 1.

    When no split keeps every group within ``size`` ± 1 (9 learners in groups of 6), the number of
    groups that keeps sizes closest to ``size`` wins.
    """
    if size < 1:
        raise ValueError("group size must be at least 1")
    if n == 0:
        return []
    options = {max(1, math.floor(n / size)), max(1, math.ceil(n / size))}

    def worst(k: int) -> float:
        return max(abs(n // k - size), abs(-(-n // k) - size))

    k = min(sorted(options), key=worst)
    return [n // k + (1 if g < n % k else 0) for g in range(k)]


def _balanced_labels(vectors: np.ndarray, sizes: list[int], seed: int) -> np.ndarray:
    k = len(sizes)
    if k == 1:
        return np.zeros(len(vectors), dtype=np.int64)
    # k-means++ seeding costs O(n k) per restart: restarts are cheap insurance on small cohorts,
    # and on large ones the balanced re-centring rounds below refine a single start anyway.
    restarts = 10 if len(vectors) * k <= 20_000 else 1
    centres = KMeans(n_clusters=k, n_init=restarts, random_state=seed).fit(vectors).cluster_centers_
    slot_group = np.repeat(np.arange(k), sizes)
    labels = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(BALANCING_ROUNDS):
        norms = np.linalg.norm(centres, axis=1, keepdims=True)
        unit = centres / np.where(norms == 0, 1.0, norms)
        cost = (1.0 - vectors @ unit.T)[:, slot_group]
        rows, cols = linear_sum_assignment(cost)
        new = np.empty_like(labels)
        new[rows] = slot_group[cols]
        if np.array_equal(new, labels):
            break
        labels = new
        centres = np.stack([vectors[labels == g].mean(axis=0) for g in range(k)])
    return labels


def _coherence(vectors: np.ndarray, members: list[int]) -> float:
    """Mean pairwise cosine of the members' needs (1.0 for a group of one)."""
    if len(members) < 2:
        return 1.0
    block = vectors[members] @ vectors[members].T
    n = len(members)
    return float((block.sum() - np.trace(block)) / (n * (n - 1)))


def _mix_orgs(vectors: np.ndarray, orgs: list[str], groups: list[list[int]]) -> None:
    """Swap members until no group is single-org (when possible), cheapest coherence loss first.

    A swap of ``a`` (in single-org group g) with ``b`` (another org, in group h) changes each
    group's sum of pairwise cosines by what the newcomer shares with the rest minus what the
    leaver shared; with ``sums[h]`` the sum of group h's vectors, that is a few dot products per
    candidate, so every possible swap is scored at once instead of recomputing coherences.
    """
    if len(set(orgs)) < 2 or len(groups) < 2:
        return
    org_codes = np.unique(np.array(orgs), return_inverse=True)[1]
    label = np.empty(len(orgs), dtype=np.int64)
    for index, group in enumerate(groups):
        label[group] = index
    sums = np.stack([vectors[m].sum(axis=0) for m in groups])
    sizes = np.array([len(m) for m in groups])
    self_sim = np.einsum("ij,ij->i", vectors, vectors)
    pairs = np.maximum(sizes * (sizes - 1), 1).astype(np.float64)
    for _ in range(len(orgs)):
        single = [g for g, m in enumerate(groups) if len(m) > 1 and len(set(org_codes[m])) == 1]
        if not single:
            return
        g = single[0]
        org_g = org_codes[groups[g][0]]
        members = np.array(groups[g])
        # others[h]: members of h from another org than g's; h stays mixed after giving one away
        # and taking one of g's only if it has at least two of them
        others = np.bincount(label[org_codes != org_g], minlength=len(groups))
        candidates = np.flatnonzero((org_codes != org_g) & (others[label] >= 2) & (label != g))
        if candidates.size == 0:
            return
        h = label[candidates]
        cross = vectors[members] @ vectors[candidates].T  # (a, b) cosines
        to_g = vectors[candidates] @ sums[g]  # b with all of g
        from_g = vectors[members] @ sums[g] - self_sim[members]  # a with the rest of g
        a_to_h = np.einsum("ad,bd->ab", vectors[members], sums[h])  # a with all of b's group
        b_in_h = np.einsum("bd,bd->b", vectors[candidates], sums[h]) - self_sim[candidates]
        gain_g = 2.0 * ((to_g[None, :] - cross) - from_g[:, None]) / pairs[g]
        gain_h = 2.0 * ((a_to_h - cross) - b_in_h[None, :]) / pairs[h][None, :]
        ai, bi = np.unravel_index(np.argmax(gain_g + gain_h), cross.shape)
        a, b, hb = int(members[ai]), int(candidates[bi]), int(h[bi])
        groups[g] = [x for x in groups[g] if x != a] + [b]
        groups[hb] = [x for x in groups[hb] if x != b] + [a]
        label[a], label[b] = hb, g
        sums[g] += vectors[b] - vectors[a]
        sums[hb] += vectors[a] - vectors[b]


def _topics(
    members: list[int],
    learners: Sequence[GroupLearner],
    centre: np.ndarray,
    skill_vectors: Mapping[str, np.ndarray] | None,
    limit: int = 3,
) -> list[str]:
    """Skills wanted by at least two members (most shared first; closest to the group's need on ties)."""
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for i in members:
        keys = {" ".join(s.split()).casefold(): s for s in learners[i].wanted_skills}
        for key, shown in keys.items():
            counts[key] += 1
            spelling.setdefault(key, shown)

    def closeness(key: str) -> float:
        if skill_vectors is None:
            return 0.0
        vector = skill_vectors.get(spelling[key])
        if vector is None:
            vector = skill_vectors.get(key)
        return float(np.asarray(vector) @ centre) if vector is not None else 0.0

    shared = [k for k, c in counts.items() if c >= 2] or list(counts)
    shared.sort(key=lambda k: (-counts[k], -closeness(k), k))
    return [spelling[k] for k in shared[:limit]]


def form_study_groups(
    learners: Sequence[GroupLearner],
    size: int,
    *,
    skill_vectors: Mapping[str, np.ndarray] | None = None,
    seed: int = 0,
) -> list[StudyGroup]:
    """Split ``learners`` into groups of ``size`` ± 1, coherent in need and mixed across orgs.

    ``skill_vectors`` (optional, skill name → normalised vector) breaks ties between topic names
    by closeness to the group's common need. Deterministic for a given ``seed`` and input order.
    Groups come back most coherent first; each names up to three common topics (skills wanted by
    two or more members) and says which organisations it mixes.
    """
    if not learners:
        return []
    vectors = np.stack([np.asarray(p.need_vector, dtype=np.float32) for p in learners])
    sizes = group_sizes(len(learners), size)
    labels = _balanced_labels(vectors, sizes, seed)
    groups = [[int(i) for i in np.flatnonzero(labels == g)] for g in range(len(sizes))]
    orgs = [p.org_id for p in learners]
    _mix_orgs(vectors, orgs, groups)

    result: list[StudyGroup] = []
    for members in groups:
        centre = vectors[members].mean(axis=0)
        centre = centre / (np.linalg.norm(centre) or 1.0)
        topics = _topics(members, learners, centre, skill_vectors)
        member_orgs = sorted({orgs[i] for i in members})
        reasons = []
        if topics:
            wanting = [
                sum(
                    any(" ".join(s.split()).casefold() == t.casefold() for s in learners[i].wanted_skills)
                    for i in members
                )
                for t in topics
            ]
            shared = ", ".join(f"{t} ({w} of {len(members)})" for t, w in zip(topics, wanting, strict=True))
            reasons.append("want to learn " + shared)
        if len(member_orgs) > 1:
            reasons.append(f"mixes {len(member_orgs)} organisations")
        result.append(
            StudyGroup(
                member_ids=[learners[i].person_id for i in members],
                org_ids=member_orgs,
                topics=topics,
                coherence=_coherence(vectors, members),
                reasons=reasons,
            )
        )
    result.sort(key=lambda g: -g.coherence)
    return result
