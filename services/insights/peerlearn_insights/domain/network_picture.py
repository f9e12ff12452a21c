"""The learning network as a picture a person can read: communities coloured, brokers ringed
and named, other orgs as squares, arrows from helper to helped, a legend. The layout is a
seeded spring layout, so the same ties always give the same picture; a large network shows
its most connected people (and every broker), and says so."""

from __future__ import annotations

import math
from html import escape

import networkx as nx

from peerlearn_insights.domain.network import SEED, Network, Node

WIDTH, HEIGHT, MARGIN, LEGEND_W = 900, 640, 40, 210
MAX_SHOWN = 150
MAX_LABELS = 30
ROW_STEP = 120  # px between the unconnected people in their rows
COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
FONT = "font-family='system-ui, sans-serif'"


def _colour(community: int) -> str:
    return COLOURS[community] if community < len(COLOURS) else "#bbbbbb"


def _strength(node: Node) -> float:
    return node.helped + node.was_helped


def _shown(network: Network) -> list[Node]:
    brokers = {b.id for b in network.brokers}
    ranked = sorted(network.nodes, key=lambda node: (node.id not in brokers, -_strength(node), node.id))
    return sorted(ranked[:MAX_SHOWN], key=lambda node: node.id)


def _layout(nodes: list[Node], network: Network) -> dict[str, tuple[float, float]]:
    """Connected people by a seeded spring layout (one scale on both axes, so distances mean
    the same across and down); those with no tie shown in rows along the bottom."""
    ids = {node.id for node in nodes}
    graph = nx.Graph()
    graph.add_nodes_from(node.id for node in nodes)
    graph.add_weighted_edges_from(
        (t.helper, t.helped, t.weight) for t in network.ties if t.helper in ids and t.helped in ids
    )
    alone = [node.id for node in nodes if graph.degree(node.id) == 0]
    tied = graph.subgraph(n for n in graph if graph.degree(n) > 0)
    area_w = WIDTH - LEGEND_W - 2 * MARGIN
    per_row = max(1, int(area_w // ROW_STEP))
    band = ((len(alone) + per_row - 1) // per_row) * 18 if tied else 0
    top, bottom = MARGIN + 20, HEIGHT - MARGIN - band
    out: dict[str, tuple[float, float]] = {}
    for i, node_id in enumerate(alone):
        row, col = divmod(i, per_row)
        y0 = bottom + 14 if tied else top + 10
        out[node_id] = (MARGIN + col * ROW_STEP, y0 + row * 18)
    if len(tied) == 0:
        return out
    pos = nx.spring_layout(tied, seed=SEED, k=1.6 / math.sqrt(len(tied)), iterations=80)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    area_h = bottom - top
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1
    scale = min(area_w, area_h) / span
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    for n, (x, y) in pos.items():
        out[n] = (MARGIN + area_w / 2 + (x - mid_x) * scale, top + area_h / 2 + (y - mid_y) * scale)
    return out


def network_svg(network: Network) -> str:
    """The network as one SVG document."""
    nodes = _shown(network)
    pos = _layout(nodes, network) if nodes else {}
    brokers = {b.id for b in network.brokers}
    labelled = {n.id for n in sorted(nodes, key=lambda n: (-_strength(n), n.id))[:MAX_LABELS]} | brokers
    parts = [
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='6' markerHeight='6'"
        " orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' fill='#888'/></marker></defs>"
    ]
    radius = {n.id: 5 + min(math.sqrt(_strength(n)), 9) for n in nodes}
    for tie in network.ties:
        if tie.helper not in pos or tie.helped not in pos:
            continue
        (x1, y1), (x2, y2) = pos[tie.helper], pos[tie.helped]
        d = math.hypot(x2 - x1, y2 - y1) or 1
        r = radius[tie.helped] + 2  # the arrow ends at the helped one's edge, not its centre
        x2, y2 = x2 - (x2 - x1) * r / d, y2 - (y2 - y1) * r / d
        width = 0.8 + min(math.log1p(tie.weight), 3)
        parts.append(
            f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}'"
            " stroke='#888' stroke-opacity='0.55'"
            f" stroke-width='{width:.1f}' marker-end='url(#arrow)'/>"
        )
    for node in nodes:
        x, y = pos[node.id]
        r, fill = radius[node.id], _colour(node.community)
        ring = " stroke='#111' stroke-width='3'" if node.id in brokers else " stroke='#fff' stroke-width='1'"
        tip = f"<title>{escape(node.label)}: helped {node.helped:g}, was helped {node.was_helped:g}</title>"
        if node.kind == "org":
            parts.append(
                f"<rect x='{x - r:.1f}' y='{y - r:.1f}' width='{2 * r:.1f}' height='{2 * r:.1f}'"
                f" fill='{fill}'{ring}>{tip}</rect>"
            )
        else:
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='{fill}'{ring}>{tip}</circle>")
    parts.extend(_labels(nodes, pos, radius, labelled, brokers))
    parts.append(_legend(network, len(nodes)))
    title = f"Learning network of org {network.org_id}"
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{HEIGHT}'"
        f" viewBox='0 0 {WIDTH} {HEIGHT}'"
        f" role='img' aria-label='{escape(title)}'><title>{escape(title)}</title>"
        f"<rect width='100%' height='100%' fill='#fff'/>"
        f"<text x='{MARGIN}' y='26' font-size='16' font-weight='600' {FONT}>{escape(title)}</text>"
        f"{''.join(parts)}</svg>"
    )


def _labels(
    nodes: list[Node],
    pos: dict[str, tuple[float, float]],
    radius: dict[str, float],
    labelled: set[str],
    brokers: set[str],
) -> list[str]:
    """Labels last, haloed, so no line or dot covers them; brokers first, and a label that would
    overlap one already placed is left out (its name is in the dot's tooltip)."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    order = sorted(
        (n for n in nodes if n.id in labelled), key=lambda n: (n.id not in brokers, -_strength(n), n.id)
    )
    for node in order:
        x, y = pos[node.id]
        text = node.label[:28]
        box = (x + radius[node.id] + 3, y - 9, x + radius[node.id] + 3 + 7 * len(text), y + 5)
        if node.id not in brokers and any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
        ):
            continue
        placed.append(box)
        weight = " font-weight='700'" if node.id in brokers else ""
        out.append(
            f"<text x='{box[0]:.1f}' y='{y + 4:.1f}' font-size='12'{weight} {FONT}"
            f" paint-order='stroke' stroke='#fff' stroke-width='3'>{escape(text)}</text>"
        )
    return out


def _legend(network: Network, shown: int) -> str:
    x, y = WIDTH - LEGEND_W + 10, 50
    lines = [f"<text x='{x}' y='{y}' font-size='13' font-weight='600' {FONT}>Communities</text>"]
    for community in [c for c in network.communities if c.size > 1][: len(COLOURS)]:
        y += 18
        lines.append(f"<circle cx='{x + 6}' cy='{y - 4}' r='6' fill='{_colour(community.id)}'/>")
        lines.append(
            f"<text x='{x + 18}' y='{y}' font-size='12' {FONT}>{community.size} nodes, "
            f"{community.crossing_ties} crossing</text>"
        )
    if len(network.communities) > len(COLOURS) or any(c.size == 1 for c in network.communities):
        y += 18
        lines.append(f"<text x='{x}' y='{y}' font-size='12' fill='#555' {FONT}>and smaller ones</text>")
    y += 28
    lines.append(f"<circle cx='{x + 6}' cy='{y - 4}' r='6' fill='#fff' stroke='#111' stroke-width='3'/>")
    lines.append(f"<text x='{x + 18}' y='{y}' font-size='12' {FONT}>broker (bold name)</text>")
    y += 20
    lines.append(f"<rect x='{x}' y='{y - 10}' width='12' height='12' fill='#bbb'/>")
    lines.append(f"<text x='{x + 18}' y='{y}' font-size='12' {FONT}>another org's people</text>")
    y += 20
    lines.append(f"<text x='{x}' y='{y}' font-size='12' {FONT}>arrow: helper → helped</text>")
    notes = []
    if network.crossing_share is not None:
        notes.append(f"ties crossing communities: {network.crossing_share:.0%}")
    if network.reciprocity is not None:
        notes.append(f"reciprocity: {network.reciprocity:.0%}")
    if network.answering_gini is not None:
        notes.append(f"answering load Gini: {network.answering_gini:.2f}")
    notes.append(f"never interacted: {len(network.never_interacted)}")
    if shown < len(network.nodes):
        notes.append(f"showing {shown} of {len(network.nodes)} nodes")
    if network.betweenness.method == "sampled":
        notes.append(f"betweenness sampled ({network.betweenness.sources} sources)")
    for note in notes:
        y += 20
        lines.append(f"<text x='{x}' y='{y}' font-size='12' fill='#333' {FONT}>{escape(note)}</text>")
    return "".join(lines)
