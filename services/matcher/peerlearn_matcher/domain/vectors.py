"""An in-memory vector index: one numpy matrix per vector kind, rows addressed by id.

Search is a dot product of the (normalised) query with every row, restricted by a boolean
mask *before* taking the top k, so filters (org, cohort, consent, capacity, declines, caps)
never shrink a short list after the fact. Removal frees the row at once (a deleted person
disappears from every search immediately); freed rows are reused. Exact search is fast enough
up to ``ann_above`` live rows (see docs/BENCHMARKS.md, "Approximate search (matcher)"); beyond, an HNSW
graph (:mod:`.ann`) proposes candidates, which are re-scored exactly and pass the same mask; a
selective mask, or too few allowed candidates after widening, falls back to exact search over
the allowed rows only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from peerlearn_matcher.domain.ann import ApproximateIndex

# Above this many live rows searches go through the HNSW graph (bench/matcher_ann.py). The graph
# keeps recall@10 >= 0.95 at 100k clustered rows but not at 1M (0.93, best measured), and exact
# search at 1M is ~80 ms a query: so exact up to 1M, the graph only beyond (recall below 0.95).
DEFAULT_ANN_ABOVE = 1_000_000
# A mask allowing at most this many rows is searched exactly over those rows: a mat-vec of
# 20,000 rows costs about what one graph search with a widened candidate list does.
EXACT_ALLOWED_BELOW = 20_000
# Widening stops at this many candidates per graph search (then: exact over the allowed rows).
MAX_CANDIDATES = 4096


class DeferredScores:
    """The dot products of one query with every row, computed only when read.

    What :meth:`VectorIndex.scores` returns above the ANN threshold: searching through the
    graph never needs them, an exact fallback reads only the allowed rows, and ``np.asarray``
    gives the full array (one mat-vec, kept) to whoever wants it.
    """

    def __init__(self, index: VectorIndex, query: np.ndarray) -> None:
        self.query = query.astype(np.float32, copy=False)
        self._index = index
        self._full: np.ndarray | None = None

    @property
    def computed(self) -> np.ndarray | None:
        """The full array if something read it already."""
        return self._full

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        if self._full is None:
            self._full = self._index.exact_scores(self.query)
        full = self._full if dtype is None else self._full.astype(dtype)
        # np.array(scores) asks for a copy: the kept array must not be changed by its reader.
        return full.copy() if copy and full is self._full else full


class VectorIndex:
    """Rows of float32 vectors keyed by id, with free-row reuse."""

    def __init__(
        self,
        dim: int,
        capacity: int = 1024,
        ann_above: int = DEFAULT_ANN_ABOVE,
        exact_allowed_below: int = EXACT_ALLOWED_BELOW,
    ) -> None:
        self.dim = dim
        self.matrix = np.zeros((capacity, dim), dtype=np.float32)
        self.live = np.zeros(capacity, dtype=bool)
        self.ids: list[str | None] = [None] * capacity
        self.row_of: dict[str, int] = {}
        self._free: list[int] = list(range(capacity - 1, -1, -1))
        self._high = 0  # rows at and above this were never used: searches skip them
        self._unsorted = False
        self.ann_above = ann_above
        self.exact_allowed_below = exact_allowed_below
        # Built the first time a search finds more than ann_above live rows, then kept in step.
        self._ann: ApproximateIndex | None = None
        # Set by a service that builds the graph off its event loop (adapters/index.py): searches
        # stay exact until install_graph; rows changed while a build runs are kept for it.
        self.builds_off_loop = False
        self._changed_while_building: set[int] | None = None

    def __len__(self) -> int:
        return len(self.row_of)

    def __contains__(self, key: str) -> bool:
        return key in self.row_of

    @property
    def size(self) -> int:
        """How many rows the matrix has (live or free); masks have this length."""
        return self.matrix.shape[0]

    @property
    def approximate(self) -> bool:
        """Whether searches go through the HNSW graph (more than ``ann_above`` live rows)."""
        return len(self.row_of) > self.ann_above

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
        if self._ann is not None:
            self._ann.put(row, self.matrix[row])
        elif self._changed_while_building is not None:
            self._changed_while_building.add(row)
        elif self.approximate and not self.builds_off_loop:
            self.build_graph()
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
        if self._ann is not None:
            self._ann.drop(row)
        elif self._changed_while_building is not None:
            self._changed_while_building.add(row)

    def vector(self, key: str) -> np.ndarray | None:
        row = self.row_of.get(key)
        return None if row is None else self.matrix[row]

    def exact_scores(self, query: np.ndarray) -> np.ndarray:
        """Dot products of ``query`` with every row (free rows score 0), always computed."""
        out = np.zeros(self.size, dtype=np.float32)
        out[: self._high] = self.matrix[: self._high] @ query.astype(np.float32, copy=False)
        return out

    def scores(self, query: np.ndarray) -> np.ndarray | DeferredScores:
        """Dot products of ``query`` with every row (free rows score 0), for :meth:`top`.

        Above the ANN threshold they are :class:`DeferredScores`: computed only if read.
        """
        if self.approximate:
            return DeferredScores(self, query)
        return self.exact_scores(query)

    def top(
        self,
        query: np.ndarray,
        mask: np.ndarray,
        k: int,
        scores: np.ndarray | DeferredScores | None = None,
    ) -> list[tuple[str, float]]:
        """The ``k`` best live rows allowed by ``mask``, best first, as ``(id, score)``.

        ``scores`` may pass :meth:`scores` of the same query computed earlier (one mat-vec
        serves several masks). Above the ANN threshold the result is approximate (the graph's
        recall), but every row returned is allowed by ``mask`` and its score is exact.
        """
        allowed = mask & self.live
        count = int(allowed.sum())
        if count == 0 or k <= 0:
            return []
        k = min(k, count)
        full = scores.computed if isinstance(scores, DeferredScores) else scores
        if full is not None or not self.approximate:
            return self._exact(allowed, self.exact_scores(query) if full is None else full, k)
        if count <= max(self.exact_allowed_below, k):
            return self._exact_allowed(query, allowed, k)
        found = self._proposed(query, allowed, k, count)
        if found is None:
            return self._exact_allowed(query, allowed, k)
        return found

    def _exact(self, allowed: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        masked = np.where(allowed, scores, -np.inf)
        best = np.argpartition(-masked, k - 1)[:k]
        best = best[np.argsort(-masked[best], kind="stable")]
        return [(self.ids[i], float(masked[i])) for i in best]

    def _exact_allowed(self, query: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Exact top-k over the allowed rows only: ``M[allowed] @ q``."""
        rows = np.flatnonzero(allowed)
        return self._best_of(rows, self.matrix[rows] @ query.astype(np.float32, copy=False), k)

    def _best_of(self, rows: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        if len(rows) > k:
            keep = np.argpartition(-scores, k - 1)[:k]
            rows, scores = rows[keep], scores[keep]
        order = np.lexsort((rows, -scores))  # ties by row, as the exact search's stable sort
        return [(self.ids[rows[i]], float(scores[i])) for i in order]

    def _proposed(
        self, query: np.ndarray, allowed: np.ndarray, k: int, count: int
    ) -> list[tuple[str, float]] | None:
        """Top-k among the graph's candidates that ``allowed`` keeps, or None to search exactly.

        Asks for enough candidates that ``k`` should pass the mask within the first half of them
        if the allowed rows are spread evenly, and doubles the request while fewer do. Only the
        head counts: the tail of a graph search is where its recall is worst, so ``k`` allowed
        rows found only there (a mask that keeps the rows least like the query) would be an
        arbitrary few of them, not the best.
        """
        ann = self._ann if self.builds_off_loop else self.build_graph()
        if ann is None:
            return None  # being built elsewhere: exact until it is installed
        query = query.astype(np.float32, copy=False)
        want = max(4 * k, math.ceil(4 * k * len(self.row_of) / count))
        while want <= MAX_CANDIDATES:
            proposed = ann.nearest(query, want)
            if len(proposed) < want:
                return None  # the graph gave all it could reach
            head = proposed[: want // 2]
            rows = proposed[allowed[proposed]]
            if int(allowed[head].sum()) >= k:
                return self._best_of(rows, self.matrix[rows] @ query, k)
            want *= 2
        return None

    def build_graph(self, progress: Callable[[int, int], bool] | None = None) -> ApproximateIndex:
        """The HNSW graph of the live rows, built now if it was not (``progress(done, total)``).

        Built once, when the index first holds more than ``ann_above`` rows (at start, while the
        store loads; or by the upsert that crosses it), then kept in step by every upsert and removal.
        """
        if self._ann is None:
            ann = ApproximateIndex(self.dim)
            rows = np.flatnonzero(self.live)
            ann.build(rows, self.matrix[rows], progress)
            self._ann = ann
        return self._ann

    @property
    def wants_graph(self) -> bool:
        """Above the threshold, with no graph and none being built."""
        return self._ann is None and self._changed_while_building is None and self.approximate

    def graph_inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """Start a build elsewhere: the live rows and a copy of their vectors. Rows changed from
        now on are kept, and :meth:`install_graph` applies them to the built graph."""
        rows = np.flatnonzero(self.live)
        self._changed_while_building = set()
        return rows, self.matrix[rows]  # fancy indexing copies: the build reads its own vectors

    def install_graph(self, ann: ApproximateIndex) -> None:
        """Take ``ann`` (built from :meth:`graph_inputs`) with the rows changed meanwhile put right."""
        changed, self._changed_while_building = self._changed_while_building or set(), None
        for row in sorted(changed):
            if self.live[row]:
                ann.put(row, self.matrix[row])
            else:
                ann.drop(row)
        self._ann = ann

    def abandon_graph(self) -> None:
        """A build elsewhere failed: the next one starts afresh."""
        self._changed_while_building = None

    def mask_of(self, keys: object) -> np.ndarray:
        """A boolean mask with the rows of ``keys`` (an iterable of ids) set."""
        mask = np.zeros(self.size, dtype=bool)
        rows = [self.row_of[k] for k in keys if k in self.row_of]  # type: ignore[attr-defined]
        if rows:
            mask[rows] = True
        return mask
