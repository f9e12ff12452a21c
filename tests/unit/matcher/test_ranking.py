"""Maximal marginal relevance: variety without losing the best match."""

from __future__ import annotations

import numpy as np

from peerlearn_matcher.domain.ranking import mmr


def test_mmr_keeps_the_best_first_and_spreads_over_orgs() -> None:
    same = np.array([1.0, 0.0], dtype=np.float32)
    other = np.array([0.0, 1.0], dtype=np.float32)
    vectors = np.stack([same, same, same, other])
    scores = [0.9, 0.88, 0.87, 0.7]
    groups = [("org:a",), ("org:a",), ("org:a",), ("org:b",)]
    order = mmr(list("abcd"), scores, vectors, groups, k=2)
    assert order[0] == 0
    assert order[1] == 3  # the different org beats two near-duplicates of the first


def test_mmr_with_lambda_one_is_plain_relevance_order() -> None:
    vectors = np.eye(3, dtype=np.float32)
    assert mmr([1, 2, 3], [0.1, 0.9, 0.5], vectors, [(), (), ()], k=3, lam=1.0) == [1, 2, 0]
    assert mmr([], [], np.zeros((0, 2)), [], k=3) == []
