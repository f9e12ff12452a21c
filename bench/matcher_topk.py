"""Exact top-k with numpy masks: one query's latency and the index's memory at 10,000 and 100,000 people.

The matcher filters *before* top-k (org, cohort, consent, capacity, declined): a boolean mask
sets the scores of everyone filtered out to -inf, then ``argpartition`` takes the top k. Vectors
are random, normalised, 384-d float32 (the size of all-MiniLM-L6-v2). The baseline, measured in
the same run, is the bare mat-vec ``M @ q`` (the unavoidable cost of exact search); the filtered
top-k is reported as a ratio to it, and so is a naive full ``argsort`` of the filtered scores.
Run: ``.venv/bin/python bench/matcher_topk.py``.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

DIM = 384
K = 10
QUERIES = 1000


def _vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    m = rng.standard_normal((n, DIM), dtype=np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m


def top_k_masked(matrix: np.ndarray, query: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best allowed rows, best first (what the matcher's index does)."""
    scores = matrix @ query
    scores[~mask] = -np.inf
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def _full_sort(matrix: np.ndarray, query: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ query
    scores[~mask] = -np.inf
    return np.argsort(-scores)[:k]


def measure(n: int, threads: int, rng: np.random.Generator) -> None:
    """Print the latency rows and the memory of an index of ``n`` people, BLAS on ``threads`` threads."""
    matrix = _vectors(n, rng)
    queries = _vectors(QUERIES, rng)
    # a realistic filter: ~1 in 3 people pass (same org or shared cohort, consent, capacity);
    # 50 distinct masks reused, since 1000 masks of 100k booleans would be 100 MB
    masks = rng.random((50, n)) < 0.33
    cases = {
        "mat-vec M @ q (baseline)": lambda q, m: matrix @ q,
        f"mask + argpartition top-{K} (peerlearn)": lambda q, m: top_k_masked(matrix, q, m, K),
        f"mask + full argsort top-{K}": lambda q, m: _full_sort(matrix, q, m, K),
    }
    names = list(cases)
    times = {name: np.empty(QUERIES) for name in names}
    with threadpool_limits(limits=threads):
        for q in queries[:20]:
            top_k_masked(matrix, q, masks[0], K)  # warm-up
        for i in tqdm(range(QUERIES), desc=f"{n} people, {threads} BLAS threads", leave=False):
            # rotate the order per query: load from other processes then hits every case alike
            for name in names[i % 3 :] + names[: i % 3]:
                started = time.perf_counter()
                cases[name](queries[i], masks[i % len(masks)])
                times[name][i] = (time.perf_counter() - started) * 1000.0
    base99 = np.percentile(times[names[0]], 99)
    for name in names:
        p50, p99 = np.percentile(times[name], [50, 99])
        print(f"{n:>8} {threads:>7} {name:40} {p50:8.2f} {p99:8.2f} {p99 / base99:14.2f}")
    mib, scratch = matrix.nbytes / 2**20, n * 4 / 2**10
    print(f"{n:>8} {'':>7} {'memory: vectors (float32)':40} {mib:8.1f} MiB, {scratch:.0f} KiB per query")


def main() -> None:
    rng = np.random.default_rng(42)
    print(f"{'people':>8} {'threads':>7} {'case':40} {'p50 ms':>8} {'p99 ms':>8} {'p99 / mat-vec':>14}")
    for n in (10_000, 100_000):
        for threads in (1, 2):
            measure(n, threads, rng)


if __name__ == "__main__":
    main()
