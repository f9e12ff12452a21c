"""The learning network of an org (issue 13): who helped whom, as a directed graph, and what
social-network analysis says about it — communities (Louvain) and the share of ties crossing
them (silos), brokers (betweenness, Burt's constraint), isolates, reciprocity, and how
concentrated the answering load is (Gini). Pure: the ties come in, the analysis goes out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import msgspec
import networkx as nx

from peerlearn import communities

# How much one act of help weighs: an accepted answer counts on top of the answer itself, and a
# mentoring session is a sustained kind of help.
WEIGHTS: Mapping[str, float] = {"answered": 1.0, "answer_accepted": 2.0, "mentored": 2.0}
# Above this many nodes betweenness is estimated from SAMPLE seeded sources: exact is O(n·m);
# on 1,100 nodes and 7,400 ties 100 sources took 1.6 s on the 2-core machine under load (exact
# about 11 times that), so the 5,000 nodes would be minutes per request.
EXACT_UP_TO = 1_000
SAMPLE = 100
BROKERS = 10
SEED = 13


@dataclass(frozen=True)
class Help:
    """One act of help: ``helper`` helped ``helped`` (an answer, an accepted answer, a session)."""

    helper: str
    helped: str
    verb: str


class Node(msgspec.Struct, kw_only=True):
    id: str
    kind: Literal["person", "org"]
    label: str
    org_id: str
    community: int
    helped: float  # weighted help given
    was_helped: float  # weighted help received
    people: int = 1  # for an org's aggregate node: how many of its people are in it


class Tie(msgspec.Struct, kw_only=True):
    helper: str
    helped: str
    weight: float
    acts: int


class Community(msgspec.Struct, kw_only=True):
    id: int
    size: int
    internal_ties: int
    crossing_ties: int


class Broker(msgspec.Struct, kw_only=True):
    id: str
    label: str
    betweenness: float
    constraint: float | None  # Burt's constraint: low means the node spans structural holes


class Betweenness(msgspec.Struct, kw_only=True):
    method: Literal["exact", "sampled"]
    sources: int  # nodes used as sources (all of them when exact)
    nodes: int


class Network(msgspec.Struct, kw_only=True):
    org_id: str
    nodes: list[Node]
    ties: list[Tie]
    communities: list[Community]
    crossing_share: float | None  # share of ties between two communities (low: silos)
    cross_org_share: float | None  # share of ties with another org's person or org
    brokers: list[Broker]
    betweenness: Betweenness
    never_interacted: list[str]
    asked_unanswered: list[str]
    reciprocity: float | None
    answering_gini: float | None


def gini(values: Iterable[float]) -> float | None:
    """The Gini coefficient of ``values`` (0: everyone carries the same load; near 1: one does)."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return None
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (n * total) - (n + 1) / n


def graph_of(helps: Iterable[Help], node_of: Mapping[str, str]) -> nx.DiGraph:
    """The directed help graph over nodes (``node_of`` maps a person to their node; people not
    in it are out of scope, and a tie whose both ends are out of scope is dropped)."""
    graph = nx.DiGraph()
    for help in helps:
        a, b = node_of.get(help.helper), node_of.get(help.helped)
        if a is None or b is None or a == b:
            continue
        weight = WEIGHTS.get(help.verb, 0.0)
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += weight
            graph[a][b]["acts"] += 1
        else:
            graph.add_edge(a, b, weight=weight, acts=1)
    return graph


def analyse(
    org_id: str,
    graph: nx.DiGraph,
    nodes: Mapping[str, tuple[Literal["person", "org"], str, str, int]],
    *,
    answers_given: Mapping[str, int],
    asked_unanswered: Iterable[str],
) -> Network:
    """The analysis of ``graph``; ``nodes`` is every node ``{id: (kind, label, org, people)}``
    (the org's people who never interacted included), ``answers_given`` per org person."""
    graph.add_nodes_from(nodes)
    # A reciprocated tie is as strong as its two directions together; largest community first,
    # its number stable for the same ties (seeded); the same recipe as the matcher's circles.
    undirected = communities.fold(graph)
    parts = communities.louvain(undirected, seed=SEED)
    community_of = {node: i for i, part in enumerate(parts) for node in part}
    internal, crossing = [0] * len(parts), [0] * len(parts)
    for a, b in graph.edges:
        ca, cb = community_of[a], community_of[b]
        if ca == cb:
            internal[ca] += 1
        else:
            crossing[ca] += 1
            crossing[cb] += 1
    ties = graph.number_of_edges()
    crossing_ties = sum(1 for a, b in graph.edges if community_of[a] != community_of[b])
    cross_org = sum(1 for a, b in graph.edges if nodes[a][2] != nodes[b][2])
    betweenness, sampled = _betweenness(undirected)
    people_nodes = (n for n in betweenness if betweenness[n] > 0 and nodes[n][0] == "person")
    top = sorted(people_nodes, key=lambda n: (-betweenness[n], n))[:BROKERS]
    constraint = burt_constraint(undirected, top)
    out_weight = dict(graph.out_degree(weight="weight"))
    in_weight = dict(graph.in_degree(weight="weight"))
    people = [n for n, (kind, _, org, _) in nodes.items() if kind == "person" and org == org_id]
    return Network(
        org_id=org_id,
        nodes=[
            Node(
                id=n,
                kind=kind,
                label=label,
                org_id=org,
                people=count,
                community=community_of[n],
                helped=out_weight.get(n, 0.0),
                was_helped=in_weight.get(n, 0.0),
            )
            for n, (kind, label, org, count) in sorted(nodes.items())
        ],
        ties=[
            Tie(helper=a, helped=b, weight=d["weight"], acts=d["acts"])
            for a, b, d in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))
        ],
        communities=[
            Community(id=i, size=len(part), internal_ties=internal[i], crossing_ties=crossing[i])
            for i, part in enumerate(parts)
        ],
        crossing_share=crossing_ties / ties if ties else None,
        cross_org_share=cross_org / ties if ties else None,
        brokers=[
            Broker(id=n, label=nodes[n][1], betweenness=betweenness[n], constraint=_finite(constraint.get(n)))
            for n in top
        ],
        betweenness=Betweenness(
            method="sampled" if sampled else "exact",
            sources=sampled or len(undirected),
            nodes=len(undirected),
        ),
        never_interacted=sorted(n for n in people if graph.degree(n) == 0),
        asked_unanswered=sorted(set(asked_unanswered) & set(people)),
        reciprocity=nx.reciprocity(graph) if ties else None,
        answering_gini=gini(answers_given.get(n, 0) for n in people),
    )


def burt_constraint(graph: nx.Graph, of: Iterable[str]) -> dict[str, float]:
    """Burt's constraint of the nodes ``of`` on a weighted undirected graph:
    c(i) = Σ_j (p_ij + Σ_q p_iq·p_qj)², p_ij being i's share of its tie weight that goes to j.

    The same figure as ``networkx.constraint``, which recomputes every share inside its
    innermost loop (cubic in the degree: an org folded into one node with thousands of ties
    took minutes); here each node's shares are computed once, when first needed."""
    shares: dict[str, dict[str, float]] = {}

    def share_of(node: str) -> dict[str, float]:
        if node not in shares:
            weights = {
                other: float(d.get("weight", 1.0)) for other, d in graph[node].items() if other != node
            }
            total = sum(weights.values())
            shares[node] = {other: w / total for other, w in weights.items()} if total else {}
        return shares[node]

    out: dict[str, float] = {}
    for i in of:
        mine = share_of(i)
        if not mine:
            continue
        indirect: dict[str, float] = {}
        for q, p_iq in mine.items():
            for j, p_qj in share_of(q).items():
                if j != i:
                    indirect[j] = indirect.get(j, 0.0) + p_iq * p_qj
        out[i] = sum((p_ij + indirect.get(j, 0.0)) ** 2 for j, p_ij in mine.items())
    return out


def _betweenness(graph: nx.Graph) -> tuple[dict[str, float], int]:
    """Exact betweenness up to EXACT_UP_TO nodes, else sampled from SAMPLE seeded sources
    (returns the sample size, 0 when exact). Unweighted: who lies on the short paths."""
    if len(graph) <= EXACT_UP_TO:
        return nx.betweenness_centrality(graph), 0
    return nx.betweenness_centrality(graph, k=SAMPLE, seed=SEED), SAMPLE


def _finite(value: float | None) -> float | None:
    return value if value is not None and value == value else None  # NaN for a lone node
