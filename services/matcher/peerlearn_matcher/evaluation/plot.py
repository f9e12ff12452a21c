"""A plot of MRR over time as a hand-written SVG (matplotlib is not a dependency).

One panel per data set: for each ranker shown, the mean reciprocal rank over a sliding window of
consecutive questions (in time order), so one sees how a ranker does as history accumulates; a
dashed line marks where the held-out questions begin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

import numpy as np

WIDTH, HEIGHT, PAD = 640, 220, 40
COLOURS = ("#1b6ac9", "#d1495b", "#66a182", "#edae49", "#8d6cab", "#555555")


def rolling_mrr(ranks: Sequence[int], window: int) -> np.ndarray:
    """Mean of 1/rank over the last ``window`` questions (fewer at the start)."""
    reciprocal = 1.0 / np.asarray(ranks, np.float64)
    sums = np.cumsum(reciprocal)
    out = np.empty(len(reciprocal))
    for i in range(len(reciprocal)):
        start = max(0, i - window + 1)
        out[i] = (sums[i] - (sums[start - 1] if start else 0.0)) / (i - start + 1)
    return out


def panel(
    title: str,
    timeline: Sequence[tuple[datetime, bool, dict[str, int]]],
    names: Sequence[str],
    top: int,
) -> str:
    """SVG elements of one panel at vertical offset ``top``."""
    parts = [f'<text x="{PAD}" y="{top + 16}" font-size="13" font-weight="bold">{escape(title)}</text>']
    n = len(timeline)
    if n < 2:
        return parts[0]
    window = max(10, n // 8)
    x0, x1, y0, y1 = PAD, WIDTH - 170, top + HEIGHT - 25, top + 28

    def x(i: int) -> float:
        return x0 + (x1 - x0) * i / (n - 1)

    def y(v: float) -> float:
        return y0 - (y0 - y1) * v

    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#999"/>')
    parts.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#999"/>')
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{x0 - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{v:g}</text>')
    first_held = next((i for i, (_, held, _) in enumerate(timeline) if held), None)
    if first_held is not None:
        hx = x(first_held)
        parts.append(
            f'<line x1="{hx:.1f}" y1="{y0}" x2="{hx:.1f}" y2="{y1}" stroke="#999" stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{hx + 4:.1f}" y="{y1 + 10}" font-size="10">held out →</text>')
    parts.append(f'<text x="{x0}" y="{y0 + 16}" font-size="10">{timeline[0][0]:%Y-%m-%d}</text>')
    parts.append(
        f'<text x="{x1}" y="{y0 + 16}" font-size="10" text-anchor="end">{timeline[-1][0]:%Y-%m-%d} '
        f"(MRR over the last {window} questions)</text>"
    )
    for k, name in enumerate(names):
        values = rolling_mrr([ranks[name] for _, _, ranks in timeline], window)
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        colour = COLOURS[k % len(COLOURS)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
        parts.append(
            f'<text x="{x1 + 8}" y="{y1 + 14 * k + 8}" font-size="10" fill="{colour}">{escape(name)}</text>'
        )
    return "\n".join(parts)


def svg(
    panels: Sequence[tuple[str, Sequence[tuple[datetime, bool, dict[str, int]]]]], names: Sequence[str]
) -> str:
    """The whole SVG document: one panel per (title, timeline)."""
    height = HEIGHT * len(panels) + 10
    body = "\n".join(panel(title, tl, names, i * HEIGHT) for i, (title, tl) in enumerate(panels))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )
