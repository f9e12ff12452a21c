"""The matcher's HNSW path (issue 15) against its exact search: recall@10, latency, build time, memory.

A :class:`VectorIndex` is filled through ``upsert`` (default capacity, as the service does) with
``--rows`` 384-d normalised float32 vectors, then searched two ways *on the same index, in the
same loop*: exact (``ann_above`` above the row count: the full mat-vec, masked, ``argpartition``;
what every search did before issue 15) and approximate (``ann_above`` below it: the usearch graph
proposes candidates, re-scored exactly and masked, :meth:`VectorIndex.top`), at each
``--expansion`` (the graph's ``expansion_search``, changed on the same graph after one build).
The cases rotate per query, so load from other processes hits them alike; the ratios ANN/exact
are within the run. Two filters: everyone, and an org filter (every row in one of 10 orgs at
random, query *i* searches org *i* mod 10: a mask allowing 10% of the rows). recall@10 is the
share of the exact top 10 that the approximate search returned, over ``--queries`` queries.

Data (``--data``):

* ``clustered`` (default), shaped like sentence embeddings, which gather by topic: ``--clusters``
  centres drawn uniformly on the sphere; a cluster's popularity is log-normal (sigma 1), so topics
  range from a handful of rows to thousands; a row is its centre plus isotropic gaussian noise
  of norm ``s`` (the cluster's own spread, uniform in 0.6 to 1.0 per cluster), normalised. So two
  rows of one topic have cosine ≈ 1 / (1 + s²) ≈ 0.5 to 0.74 and rows of different topics ≈ 0.
  The queries are fresh rows drawn the same way (not in the index).
* ``random``: independent gaussian vectors, normalised: no structure at all, the worst case for
  HNSW (every point nearly equidistant from every other).

The cosines of the exact top 1 / top 10 and of random pairs are printed, so the data can be
compared with real embeddings. Peak RSS is the process's ``ru_maxrss`` so far (the bench's own
queries and masks included; run one size per process for a clean figure). The graph is built
on all cores (usearch), the mat-vec on all BLAS threads; a single query's graph search runs on
one. Run: ``.venv/bin/python bench/matcher_ann.py --rows 100000`` (1,000,000 rows: ~10 min of
build on 2 cores and ~5 GiB).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from collections.abc import Callable

import numpy as np

from peerlearn_matcher.domain import ann as ann_module
from peerlearn_matcher.domain.vectors import VectorIndex

DIM = 384
K = 10
ORGS = 10
CHUNK = 50_000


class CountingIndex(VectorIndex):
    """A :class:`VectorIndex` that counts its exact searches over the allowed rows (its fallbacks)."""

    fallbacks = 0

    def _exact_allowed(self, query: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[str, float]]:
        self.fallbacks += 1
        return super()._exact_allowed(query, allowed, k)


class Rows:
    """Draws normalised rows, clustered like sentence embeddings or plain gaussian (module docstring)."""

    def __init__(self, data: str, clusters: int, rng: np.random.Generator) -> None:
        self.data = data
        self.rng = rng
        centres = rng.standard_normal((clusters, DIM), dtype=np.float32)
        self.centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        weights = rng.lognormal(0.0, 1.0, clusters)
        self.weights = weights / weights.sum()
        self.spread = rng.uniform(0.6, 1.0, clusters).astype(np.float32)

    def draw(self, n: int) -> np.ndarray:
        """``n`` fresh rows, float32, unit norm."""
        noise = self.rng.standard_normal((n, DIM), dtype=np.float32)
        if self.data == "clustered":
            topic = self.rng.choice(len(self.centres), size=n, p=self.weights)
            # noise of norm ≈ spread: each coordinate has variance spread² / DIM
            noise *= (self.spread[topic] / np.sqrt(DIM))[:, None]
            noise += self.centres[topic]
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        return noise


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _progress(label: str) -> Callable[[int, int], bool]:
    """A usearch progress callback printing every 5% with the rate so far."""
    started = time.perf_counter()
    shown = [-1]

    def report(done: int, total: int) -> bool:
        step = done * 20 // max(total, 1)
        if step > shown[0]:
            shown[0] = step
            spent = time.perf_counter() - started
            rate = done / spent if spent > 0 else 0.0
            print(
                f"  {label}: {done:>9,}/{total:,} rows, {spent:6.0f} s, {rate:,.0f} rows/s, load {_load()}",
                flush=True,
            )
        return True

    return report


def _fill(rows: int, source: Rows) -> CountingIndex:
    index = CountingIndex(DIM, ann_above=10**12)
    started = time.perf_counter()
    for first in range(0, rows, CHUNK):
        for i, vector in enumerate(source.draw(min(CHUNK, rows - first)), start=first):
            index.upsert(f"p{i}", vector)
    print(
        f"  filled {rows:,} rows by upsert in {time.perf_counter() - started:.0f} s "
        f"(capacity {index.size:,}); peak RSS {_rss_gib():.2f} GiB",
        flush=True,
    )
    return index


def measure(rows: int, args: argparse.Namespace) -> None:
    """Fill, search exactly, build the graph, search it at each expansion; print the table rows."""
    rng = np.random.default_rng(args.seed)
    source = Rows(args.data, args.clusters, rng)
    print(f"\n{rows:,} rows, {args.data} data; load {_load()}", flush=True)
    index = _fill(rows, source)
    queries = source.draw(args.queries)
    org = rng.integers(0, ORGS, size=index.size)
    filters: dict[str, list[np.ndarray]] = {
        "none": [np.ones(index.size, dtype=bool)],
        f"org {100 // ORGS}%": [org == o for o in range(ORGS)],
    }

    index.ann_above = rows - 1
    started = time.perf_counter()
    graph = index.build_graph(_progress("graph"))
    build = time.perf_counter() - started
    print(
        f"  graph built in {build:.0f} s ({rows / build:,.0f} rows/s), {graph.memory_bytes / 2**30:.2f} "
        f"GiB; peak RSS {_rss_gib():.2f} GiB; load {_load()}",
        flush=True,
    )

    cases = [("exact", 0)] + [(f"ANN ef={e}", e) for e in args.expansion]
    times = {(c, f): np.empty(args.queries) for c, _ in cases for f in filters}
    found = {(c, f): 0 for c, _ in cases for f in filters}
    fallbacks = {(c, f): 0 for c, _ in cases for f in filters}
    top1 = top10 = 0.0

    def search(case: tuple[str, int], name: str, i: int) -> list[tuple[str, float]]:
        label, expansion = case
        if expansion:
            index.ann_above, graph.expansion_search = 0, expansion
        else:
            index.ann_above = 10**12
        masks = filters[name]
        before = index.fallbacks
        started = time.perf_counter()
        got = index.top(queries[i], masks[i % len(masks)], K)
        times[label, name][i] = (time.perf_counter() - started) * 1000.0
        fallbacks[label, name] += index.fallbacks - before
        return got

    for i in range(min(5, args.queries)):  # warm-up
        for case in cases:
            search(case, "none", i)
    fallbacks.update(dict.fromkeys(fallbacks, 0))
    started = time.perf_counter()
    for i in range(args.queries):
        exact = {name: search(cases[0], name, i) for name in filters}
        want = {name: {key for key, _ in got} for name, got in exact.items()}
        if i == 0 or (i + 1) % 50 == 0:
            print(
                f"  query {i + 1}/{args.queries}, {time.perf_counter() - started:.0f} s, load {_load()}",
                flush=True,
            )
        top1 += exact["none"][0][1]
        top10 += exact["none"][-1][1]
        shift = i % len(cases)
        for case in cases[shift:] + cases[:shift]:  # rotate: load from elsewhere hits all alike
            for name in filters:
                found[case[0], name] += len(want[name] & {key for key, _ in search(case, name, i)})
    sample = source.draw(2000)
    pairs = float(np.mean(np.sum(sample[:1000] * sample[1000:], axis=1)))
    n = args.queries
    print(
        f"  cosine of the exact top 1 {top1 / n:.3f}, of the 10th {top10 / n:.3f}, of random pairs "
        f"{pairs:.3f}; peak RSS {_rss_gib():.2f} GiB; load {_load()}",
        flush=True,
    )

    args.table.append(
        f"build {rows:,} {args.data}: {build:.0f} s ({rows / build:,.0f} rows/s), graph "
        f"{graph.memory_bytes / 2**30:.2f} GiB, peak RSS {_rss_gib():.2f} GiB, load {_load()}"
    )
    for name in filters:
        base = np.percentile(times["exact", name], [50, 99])
        for label, _ in cases:
            p50, p99 = np.percentile(times[label, name], [50, 99])
            recall = found[label, name] / (K * n)
            fell = fallbacks[label, name]
            args.table.append(
                f"{rows:>9,} {args.data:9} {name:7} {label:11} {recall:9.3f} {fell:>5}/{n:<4} "
                f"{p50:8.2f} {p99:8.2f} {p50 / base[0]:9.3f} {p99 / base[1]:9.3f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--expansion",
        type=int,
        nargs="+",
        default=[64, 128, 256],
        help="expansion_search values tried on the one graph",
    )
    parser.add_argument("--data", choices=["clustered", "random"], default="clustered")
    parser.add_argument("--clusters", type=int, default=4000, help="topics of the clustered data")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.table = []
    print(
        f"bench/matcher_ann.py on {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; load average {_load()} at the start"
    )
    print(
        f"graph: connectivity {ann_module.CONNECTIVITY}, expansion_add {ann_module.EXPANSION_ADD}, "
        f"int8, inner product; k={K}, {args.queries} queries"
    )
    for rows in args.rows:
        measure(rows, args)
    print(
        f"\n{'rows':>9} {'data':9} {'filter':7} {'search':11} {'recall@10':>9} {'fallbacks':>10} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'p50/exact':>9} {'p99/exact':>9}"
    )
    for line in args.table:
        print(line)
    print(f"load average {_load()} at the end")


if __name__ == "__main__":
    main()
