"""Above its threshold the vector index searches an HNSW graph, and filters still hold exactly.

Random normalised vectors; 32 dimensions keep the graph quick to build in a unit test. ``exact``
is the same index with the graph off: what every search returned before issue 15.
"""

from __future__ import annotations

import numpy as np
import pytest

from peerlearn_matcher.domain.vectors import DeferredScores, VectorIndex

DIM = 32
ROWS = 3000
K = 10


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def _pair(rows: int, seed: int = 7, **approximate: int) -> tuple[VectorIndex, VectorIndex, np.ndarray]:
    """The same random vectors in an exact index and in one above its ANN threshold."""
    vectors = _unit(np.random.default_rng(seed).standard_normal((rows, DIM)))
    exact = VectorIndex(DIM, ann_above=10**9)
    ann = VectorIndex(DIM, **{"ann_above": rows // 2, "exact_allowed_below": 50, **approximate})
    for i, vector in enumerate(vectors):
        exact.upsert(f"p{i}", vector)
        ann.upsert(f"p{i}", vector)
    assert ann.approximate and not exact.approximate
    return exact, ann, vectors


def _queries(count: int, seed: int = 11) -> np.ndarray:
    return _unit(np.random.default_rng(seed).standard_normal((count, DIM)))


def _ids(found: list[tuple[str, float]]) -> list[str]:
    return [key for key, _ in found]


def test_selective_masks_give_the_exact_answer() -> None:
    exact, ann, _ = _pair(ROWS)
    rng = np.random.default_rng(3)
    for query in _queries(20):
        mask = rng.random(ann.size) < 0.01  # ~30 people: an org of its own, a small cohort
        want = exact.top(query, mask, K)
        got = ann.top(query, mask, K)
        assert _ids(got) == _ids(want)
        assert [s for _, s in got] == pytest.approx([s for _, s in want])


@pytest.mark.parametrize("seed", [7, 8, 9])
@pytest.mark.parametrize("share", [0.1, 0.3])
def test_a_mask_the_graph_cannot_satisfy_widens_then_falls_back_to_exact(seed: int, share: float) -> None:
    """Only the rows *least* like the query are allowed: the graph's head proposes none of them.

    Its tail may (a wide search on a small graph ends among far rows), and the best ``k`` of
    those would be an arbitrary few of the allowed rows: before the head rule, 57 of 240 such
    searches (12 graphs) answered wrongly.
    """
    exact, ann, vectors = _pair(ROWS, seed=seed)
    for query in _queries(5, seed=seed + 100):
        scores = np.full(ann.size, np.inf, dtype=np.float32)
        scores[:ROWS] = vectors @ query
        mask = scores <= np.quantile(scores[:ROWS], share)  # 300+ rows, above exact_allowed_below
        got = ann.top(query, mask, K)
        assert _ids(got) == _ids(exact.top(query, mask, K))


def test_every_row_returned_passes_the_mask_and_scores_exactly() -> None:
    _, ann, vectors = _pair(ROWS)
    rng = np.random.default_rng(5)
    for query in _queries(20):
        mask = rng.random(ann.size) < 0.3
        got = ann.top(query, mask, K)
        assert len(got) == K
        for key, score in got:
            row = int(key[1:])
            assert mask[ann.row_of[key]]
            assert score == pytest.approx(float(vectors[row] @ query), abs=1e-5)


def test_recall_at_10_against_exact_search() -> None:
    """At 5,000 rows (threshold 2,500), everyone allowed: the graph finds ≥ 95% of the true top 10."""
    exact, ann, _ = _pair(5000)
    everyone = np.ones(ann.size, dtype=bool)
    found = 0
    queries = _queries(200)
    for query in queries:
        found += len(set(_ids(ann.top(query, everyone, K))) & set(_ids(exact.top(query, everyone, K))))
    assert found / (K * len(queries)) >= 0.95


def test_a_removed_person_is_never_returned() -> None:
    _, ann, vectors = _pair(ROWS)
    everyone = np.ones(ann.size, dtype=bool)
    query = vectors[42]
    assert _ids(ann.top(query, everyone, K))[0] == "p42"
    ann.remove("p42")
    assert "p42" not in _ids(ann.top(query, everyone, K))
    assert "p42" not in _ids(ann.top(query, everyone, ROWS))
    # their row is reused by someone else: the search finds the newcomer, never p42
    ann.upsert("newcomer", vectors[42])
    assert _ids(ann.top(query, everyone, K))[0] == "newcomer"
    assert "p42" not in _ids(ann.top(query, everyone, ROWS))


def test_an_upsert_of_an_existing_person_moves_them() -> None:
    _, ann, _ = _pair(ROWS)
    everyone = np.ones(ann.size, dtype=bool)
    query = _queries(1, seed=99)[0]
    assert "p7" not in _ids(ann.top(query, everyone, K))
    ann.upsert("p7", query)
    got = ann.top(query, everyone, K)
    assert got[0][0] == "p7"
    assert got[0][1] == pytest.approx(1.0, abs=1e-5)
    assert _ids(got).count("p7") == 1


def test_a_mask_allowing_fewer_than_k_rows_returns_exactly_those() -> None:
    exact, ann, _ = _pair(ROWS, exact_allowed_below=0)
    query = _queries(1)[0]
    mask = ann.mask_of(["p1", "p500", "p2999"])
    got = ann.top(query, mask, K)
    want = exact.top(query, mask, K)
    assert _ids(got) == _ids(want)
    assert sorted(_ids(got)) == ["p1", "p2999", "p500"]
    assert [s for _, s in got] == pytest.approx([s for _, s in want])


def test_scores_computed_once_for_several_masks_still_give_the_same_answers() -> None:
    exact, ann, _ = _pair(ROWS)
    rng = np.random.default_rng(8)
    masks = [rng.random(ann.size) < share for share in (0.005, 0.3, 1.0)]
    for query in _queries(5):
        deferred = ann.scores(query)
        assert isinstance(deferred, DeferredScores)
        for mask in masks:
            assert ann.top(query, mask, K, scores=deferred) == ann.top(query, mask, K)
        # once read in full, they are the exact scores and the search is exact
        assert np.asarray(deferred) == pytest.approx(exact.scores(query))
        for mask in masks:
            assert _ids(ann.top(query, mask, K, scores=deferred)) == _ids(exact.top(query, mask, K))


def test_below_the_threshold_search_is_exact_as_before() -> None:
    vectors = _unit(np.random.default_rng(1).standard_normal((500, DIM)))
    index = VectorIndex(DIM, ann_above=500)
    for i, vector in enumerate(vectors):
        index.upsert(f"p{i}", vector)
    assert not index.approximate
    query = _queries(1)[0]
    scores = index.scores(query)
    assert isinstance(scores, np.ndarray)
    mask = np.ones(index.size, dtype=bool)
    want = np.argsort(-(vectors @ query), kind="stable")[:K]
    assert _ids(index.top(query, mask, K)) == [f"p{i}" for i in want]


def test_a_copy_of_deferred_scores_is_the_readers_own() -> None:
    exact, ann, _ = _pair(ROWS)
    query = _queries(1)[0]
    deferred = ann.scores(query)
    mask = np.ones(ann.size, dtype=bool)
    want = ann.top(query, mask, K, scores=deferred)
    mine = np.array(deferred)  # a copy: the reader may scribble on it
    mine[:] = 0.0
    assert np.asarray(deferred) == pytest.approx(exact.scores(query))
    assert ann.top(query, mask, K, scores=deferred) == want


def test_a_graph_built_elsewhere_takes_the_changes_made_meanwhile() -> None:
    """A service builds the graph in a worker thread (adapters/index.py): searches stay exact until
    it is installed, and people added, moved or removed during the build are right in it after."""
    from peerlearn_matcher.domain.ann import ApproximateIndex

    exact, _, vectors = _pair(ROWS)
    ann = VectorIndex(DIM, ann_above=ROWS // 2, exact_allowed_below=50)
    ann.builds_off_loop = True
    for i, vector in enumerate(vectors):
        ann.upsert(f"p{i}", vector)
    assert ann.approximate and ann.wants_graph
    query = _queries(1)[0]
    everyone = np.ones(ann.size, dtype=bool)
    assert ann.top(query, everyone, K) == exact.top(query, everyone, K)  # no graph yet: exact
    rows, matrix = ann.graph_inputs()
    assert not ann.wants_graph  # one build at a time
    best = _ids(exact.top(query, everyone, K))
    # While it builds: the best match leaves, the second moves far away, a newcomer fits exactly.
    ann.remove(best[0])
    ann.upsert(best[1], -query)
    ann.upsert("newcomer", query)
    graph = ApproximateIndex(DIM)
    graph.build(rows, matrix)
    ann.install_graph(graph)
    got = _ids(ann.top(query, np.ones(ann.size, dtype=bool), K))
    assert got[0] == "newcomer"
    assert best[0] not in got and best[1] not in got
    assert set(got) >= set(best[2:6])  # the graph's recall keeps the rest of the top
