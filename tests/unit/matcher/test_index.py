"""The exact vector index: masks apply before top-k, removal is immediate, rows are reused."""

from __future__ import annotations

import numpy as np

from peerlearn_matcher.domain.vectors import VectorIndex


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_top_k_respects_the_mask_before_ranking() -> None:
    index = VectorIndex(2, capacity=2)
    for i in range(10):
        index.upsert(f"p{i}", unit(1.0, i / 10))
    query = unit(1.0, 0.0)
    everyone = np.ones(index.size, dtype=bool)
    assert [k for k, _ in index.top(query, everyone, 3)] == ["p0", "p1", "p2"]
    # Filtering out the best nine still yields the one allowed row (no short-list post-filtering).
    only_last = index.mask_of(["p9"])
    assert [k for k, _ in index.top(query, only_last, 3)] == ["p9"]


def test_removed_rows_disappear_at_once_and_are_reused() -> None:
    index = VectorIndex(2, capacity=4)
    index.upsert("a", unit(1, 0))
    index.upsert("b", unit(0, 1))
    index.remove("a")
    assert "a" not in index and len(index) == 1
    assert [k for k, _ in index.top(unit(1, 0), np.ones(index.size, bool), 5)] == ["b"]
    row = index.upsert("c", unit(1, 1))
    assert row == 0 and index.vector("c") is not None


def test_the_index_grows_past_its_capacity() -> None:
    index = VectorIndex(3, capacity=1)
    for i in range(5):
        index.upsert(str(i), unit(1, i, 0))
    assert len(index) == 5 and index.size >= 5
    assert index.top(unit(1, 0, 0), np.zeros(index.size, bool), 3) == []
