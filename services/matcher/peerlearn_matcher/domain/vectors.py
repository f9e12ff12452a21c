"""An exact in-memory vector index: one numpy matrix per vector kind, rows addressed by id.

Search is a dot product of the (normalised) query with every row, restricted by a boolean
mask *before* taking the top k, so filters (org, cohort, consent, capacity, declines, caps)
never shrink a short list after the fact. Removal frees the row at once (a deleted person
disappears from every search immediately); freed rows are reused. Exact search is fast enough
up to ~100k rows on this machine (see docs/BENCHMARKS.md); beyond, an HNSW index would replace it.
"""

from __future__ import annotations

import numpy as np


class VectorIndex:
    """Rows of float32 vectors keyed by id, with free-row reuse."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self.matrix = np.zeros((capacity, dim), dtype=np.float32)
        self.live = np.zeros(capacity, dtype=bool)
        self.ids: list[str | None] = [None] * capacity
        self.row_of: dict[str, int] = {}
        self._free: list[int] = list(range(capacity - 1, -1, -1))
        self._high = 0  # rows at and above this were never used: searches skip them
        self._unsorted = False

    def __len__(self) -> int:
        return len(self.row_of)

    def __contains__(self, key: str) -> bool:
        return key in self.row_of

    @property
    def size(self) -> int:
        """How many rows the matrix has (live or free); masks have this length."""
        return self.matrix.shape[0]

    def _grow(self) -> None:
        old = self.size
        new = old * 2
        self.matrix = np.vstack([self.matrix, np.zeros((old, self.dim), dtype=np.float32)])
        self.live = np.concatenate([self.live, np.zeros(old, dtype=bool)])
        self.ids.extend([None] * old)
        self._free.extend(range(new - 1, old - 1, -1))

    def upsert(self, key: str, vector: np.ndarray) -> int:
        """Put ``vector`` under ``key``; return its row."""
        row = self.row_of.get(key)
        if row is None:
            if not self._free:
                self._grow()
            if self._unsorted:
                self._free.sort(reverse=True)  # lowest free row first keeps live rows packed
                self._unsorted = False
            row = self._free.pop()
            self._high = max(self._high, row + 1)
            self.row_of[key] = row
            self.ids[row] = key
            self.live[row] = True
        self.matrix[row] = vector
        return row

    def remove(self, key: str) -> None:
        """Forget ``key`` at once; its row is zeroed and reused later."""
        row = self.row_of.pop(key, None)
        if row is None:
            return
        self.matrix[row] = 0.0
        self.live[row] = False
        self.ids[row] = None
        self._free.append(row)
        self._unsorted = True

    def vector(self, key: str) -> np.ndarray | None:
        row = self.row_of.get(key)
        return None if row is None else self.matrix[row]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Dot products of ``query`` with every row (free rows score 0)."""
        out = np.zeros(self.size, dtype=np.float32)
        out[: self._high] = self.matrix[: self._high] @ query.astype(np.float32, copy=False)
        return out

    def top(
        self, query: np.ndarray, mask: np.ndarray, k: int, scores: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` best live rows allowed by ``mask``, best first, as ``(id, score)``.

        ``scores`` may pass :meth:`scores` of the same query computed earlier (one mat-vec
        serves several masks).
        """
        allowed = mask & self.live
        count = int(allowed.sum())
        if count == 0 or k <= 0:
            return []
        scores = np.where(allowed, self.scores(query) if scores is None else scores, -np.inf)
        k = min(k, count)
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in best]

    def mask_of(self, keys: object) -> np.ndarray:
        """A boolean mask with the rows of ``keys`` (an iterable of ids) set."""
        mask = np.zeros(self.size, dtype=bool)
        rows = [self.row_of[k] for k in keys if k in self.row_of]  # type: ignore[attr-defined]
        if rows:
            mask[rows] = True
        return mask
