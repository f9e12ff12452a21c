"""Ranking metrics for answer routing, where each question has exactly one right person.

With one relevant item per question the usual metrics reduce to functions of its rank ``r``
(1 = first): P@1 = [r = 1]; P@5 = [r <= 5] / 5 (precision: at most 0.2); S@5 = [r <= 5] (success,
"the right person is in the top five"); reciprocal rank 1 / r; nDCG@10 = 1 / log2(r + 1) when
r <= 10, else 0 (the ideal DCG is 1). Each is averaged over the questions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METRICS = ("P@1", "P@5", "S@5", "MRR", "nDCG@10")


def rank_of(scores: np.ndarray, relevant: int, tie_break: np.ndarray) -> int:
    """1-based rank of index ``relevant`` when sorting ``scores`` descending.

    Ties are broken by ``tie_break`` (random numbers drawn once per question and shared by every
    ranker), so a ranker that gives everyone the same score ranks like random, not like "first".
    """
    order = np.lexsort((tie_break, -np.asarray(scores, dtype=np.float64)))
    return int(np.flatnonzero(order == relevant)[0]) + 1


def summarise(ranks: Sequence[int], *, seed: int = 0, resamples: int = 1000) -> dict[str, float]:
    """The metrics over ``ranks``, plus a 95% bootstrap interval of the MRR (``MRR_low``, ``MRR_high``)."""
    r = np.asarray(ranks, dtype=np.float64)
    if r.size == 0:
        return {name: float("nan") for name in (*METRICS, "MRR_low", "MRR_high")}
    reciprocal = 1.0 / r
    result = {
        "P@1": float(np.mean(r == 1)),
        "P@5": float(np.mean(r <= 5) / 5),
        "S@5": float(np.mean(r <= 5)),
        "MRR": float(reciprocal.mean()),
        "nDCG@10": float(np.mean(np.where(r <= 10, 1.0 / np.log2(r + 1), 0.0))),
    }
    rng = np.random.default_rng(seed)
    means = reciprocal[rng.integers(0, r.size, size=(resamples, r.size))].mean(axis=1)
    result["MRR_low"], result["MRR_high"] = (float(v) for v in np.percentile(means, [2.5, 97.5]))
    return result
