"""The learning network's pure rules: the Gini of the answering load, the weights of help, an
org's outsiders folded into one node, and betweenness sampled (and saying so) on a big graph."""

from __future__ import annotations

import pytest

from peerlearn_insights.domain import network as n


def test_gini_of_the_answering_load() -> None:
    assert n.gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert n.gini([0, 0, 0, 0, 2]) == pytest.approx(0.8)
    assert n.gini([]) is None and n.gini([0, 0]) is None


def test_help_is_weighted_and_outsiders_fold_into_their_org() -> None:
    helps = [
        n.Help("a", "b", "answered"),
        n.Help("a", "b", "answer_accepted"),
        n.Help("x1", "b", "answered"),
        n.Help("x2", "b", "mentored"),
        n.Help("y", "z", "answered"),  # neither end in scope
    ]
    graph = n.graph_of(helps, {"a": "a", "b": "b", "x1": "org:x", "x2": "org:x"})
    assert dict(graph.edges) == {
        ("a", "b"): {"weight": 3.0, "acts": 2},
        ("org:x", "b"): {"weight": 3.0, "acts": 2},
    }


def test_a_big_network_samples_betweenness_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(n, "EXACT_UP_TO", 10)
    monkeypatch.setattr(n, "SAMPLE", 5)
    people = [f"p{i}" for i in range(20)]
    helps = [n.Help(people[i], people[(i + 1) % 20], "answered") for i in range(20)]
    graph = n.graph_of(helps, {p: p for p in people})
    nodes = {p: ("person", p, "o", 1) for p in people}
    found = n.analyse("o", graph, nodes, answers_given={}, asked_unanswered=[])  # type: ignore[arg-type]
    assert (found.betweenness.method, found.betweenness.sources, found.betweenness.nodes) == (
        "sampled",
        5,
        20,
    )
    assert found.reciprocity == 0.0 and found.never_interacted == []


def test_burt_constraint_is_networkx_s_figure() -> None:
    import random

    import networkx as nx

    rng = random.Random(5)
    graph = nx.Graph()
    for _ in range(120):
        a, b = rng.randrange(30), rng.randrange(30)
        if a != b:
            graph.add_edge(str(a), str(b), weight=rng.choice((1.0, 2.0, 3.0)))
    nodes = sorted(graph)[:10]
    expected = nx.constraint(graph, nodes=nodes, weight="weight")
    found = n.burt_constraint(graph, nodes)
    assert found == pytest.approx(expected)
