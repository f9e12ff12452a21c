"""Re-ranking for variety: maximal marginal relevance (Carbonell & Goldstein, 1998).

Ten suggestions from one team or on one skill are worth less than ten that cover a
learner's needs, so each next pick trades relevance against its closeness to what was
already picked: ``lambda*score - (1-lambda)*max similarity to the picked``. Similarity between two
candidates is their vector cosine, raised when they share an org or a matched topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")

LAMBDA = 0.7
SAME_GROUP_BONUS = 0.3


def mmr(
    items: Sequence[T],
    scores: Sequence[float],
    vectors: np.ndarray,
    groups: Sequence[tuple[str, ...]],
    k: int,
    lam: float = LAMBDA,
) -> list[int]:
    """Indices of ``items`` in MMR order, at most ``k``.

    ``vectors`` are the candidates' normalised vectors (rows follow ``items``); ``groups`` are
    labels (org, topic) — sharing one adds :data:`SAME_GROUP_BONUS` to the similarity.
    """
    n = len(items)
    if n == 0 or k <= 0:
        return []
    relevance = np.asarray(scores, dtype=np.float64)
    similarity = np.clip(vectors @ vectors.T, -1.0, 1.0).astype(np.float64)
    width = max((len(g) for g in groups), default=0)
    for position in range(width):
        labels = [g[position] if position < len(g) else None for g in groups]
        codes = {label: i for i, label in enumerate(dict.fromkeys(labels))}
        column = np.array([codes[label] if label is not None else -1 - i for i, label in enumerate(labels)])
        shared = (column[:, None] == column[None, :]) & ~np.eye(n, dtype=bool)
        similarity = np.where(shared, np.minimum(1.0, similarity + SAME_GROUP_BONUS), similarity)
    chosen: list[int] = []
    left = list(range(n))
    while left and len(chosen) < k:
        penalty = similarity[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        value = lam * relevance[left] - (1.0 - lam) * penalty
        best = left[int(np.argmax(value))]
        chosen.append(best)
        left.remove(best)
    return chosen
