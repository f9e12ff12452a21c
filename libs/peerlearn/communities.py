"""Communities of a help graph (who helped whom): one recipe for insights' learning network and
the matcher's bridging suggestions, so that both see the same circles in the same ties.

Pure (networkx only). A directed help graph is folded into an undirected one (a reciprocated
tie is as strong as its two directions together), then split by Louvain with a fixed seed:
the same ties always give the same communities, numbered largest first.
"""

from __future__ import annotations

import networkx as nx

SEED = 13


def fold(graph: nx.DiGraph) -> nx.Graph:
    """``graph`` as an undirected graph whose tie weight is the sum of both directions' weights."""
    undirected = graph.to_undirected()
    for a, b in graph.edges:  # to_undirected keeps one direction's data: add the other's back
        if graph.has_edge(b, a):
            undirected[a][b]["weight"] = graph[a][b]["weight"] + graph[b][a]["weight"]
    return undirected


def louvain(graph: nx.Graph, *, seed: int = SEED) -> list[set[str]]:
    """Louvain communities of a weighted undirected graph, largest first (ties: smallest node id).

    Deterministic for the same graph and seed, so a community's number is stable between runs.
    """
    if not len(graph):
        return []
    parts = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    return sorted(parts, key=lambda c: (-len(c), min(c)))
