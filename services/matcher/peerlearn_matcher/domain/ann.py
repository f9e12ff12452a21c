"""An approximate nearest-neighbour index (HNSW, usearch) over the rows of a vector index.

It only *proposes* rows: :class:`peerlearn_matcher.domain.vectors.VectorIndex` re-scores them
exactly from its float32 matrix and applies its mask, so no filter ever depends on the graph.
Keys are the rows themselves (a freed row is dropped from the graph at once, a reused one put
again). Vectors are stored as int8 (a quarter of float32; the exact re-score makes up for the
quantisation) and compared by inner product, which is the cosine for the normalised vectors
the matcher keeps.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from usearch.index import Index

# Graph parameters (bench/matcher_ann.py, docs/BENCHMARKS.md "Approximate search (matcher)"):
# 16 links per node and 64 candidates while inserting build ~5,800 rows/s on 2 cores at 384-d
# (1M rows in ~3 min). 512 candidates per search: at 1M clustered rows recall@10 rises from 0.75
# (64) to 0.93 for ~2 ms a query (exact: ~80 ms); usearch keeps max(this, count asked).
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 512


class ApproximateIndex:
    """HNSW graph over rows of vectors, keyed by row number."""

    def __init__(self, dim: int, dtype: str = "i8") -> None:
        self.dim = dim
        self._graph = Index(
            ndim=dim,
            metric="ip",
            dtype=dtype,
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )

    def __len__(self) -> int:
        return len(self._graph)

    @property
    def expansion_search(self) -> int:
        """How many candidates a search keeps while walking the graph (at least the count asked)."""
        return int(self._graph.expansion_search)

    @expansion_search.setter
    def expansion_search(self, value: int) -> None:
        # usearch's Index has this setter; mypy reads the property as read-only
        self._graph.expansion_search = value  # type: ignore[misc]

    @property
    def memory_bytes(self) -> int:
        """What the graph holds in memory (vectors and links), as usearch counts it."""
        return int(self._graph.memory_usage)

    def build(
        self, rows: np.ndarray, vectors: np.ndarray, progress: Callable[[int, int], bool] | None = None
    ) -> None:
        """Add many rows at once (all cores), as when an index first crosses its threshold.

        ``progress(done, total)`` is called as rows go in (return True to go on).
        """
        if len(rows):
            self._graph.add(
                rows.astype(np.uint64),
                np.ascontiguousarray(vectors, dtype=np.float32),
                progress=None if progress is None else _typed(progress),
            )

    def put(self, row: int, vector: np.ndarray) -> None:
        """Put ``row`` with ``vector``, replacing what the row held before."""
        if self._graph.contains(row):
            self._graph.remove(row)
        self._graph.add(row, np.ascontiguousarray(vector, dtype=np.float32))

    def drop(self, row: int) -> None:
        """Forget ``row``: no search proposes it after this returns."""
        if self._graph.contains(row):
            self._graph.remove(row)

    def nearest(self, query: np.ndarray, count: int) -> np.ndarray:
        """Up to ``count`` rows closest to ``query`` by inner product, roughly best first."""
        if count <= 0 or not len(self._graph):
            return np.empty(0, dtype=np.intp)
        found = self._graph.search(np.ascontiguousarray(query, dtype=np.float32), count)
        return np.asarray(found.keys, dtype=np.intp)


def _typed(progress: Callable[[int, int], bool]) -> Callable[[int, int], bool]:
    """``progress`` with the annotations usearch checks at run time (this module's are strings)."""

    def report(done: int, total: int) -> bool:
        return progress(done, total)

    report.__annotations__ = {"done": int, "total": int, "return": bool}
    return report
