"""The programme report as SVG charts: horizontal bars, labelled with their values, drawn by
hand (no plotting library is installed; the output is small, deterministic and escapes every
text it shows)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Literal

from peerlearn_insights.domain.report import Report

Chart = Literal["suggestions", "mentorships", "questions", "skills"]
CHARTS: tuple[Chart, ...] = ("suggestions", "mentorships", "questions", "skills")
WIDTH = 640
LABEL_W = 170
BAR_H = 14
PALETTE = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd")
FONT = "font-family='system-ui, sans-serif'"

Row = tuple[str, Sequence[float]]


def _panel(title: str, series: Sequence[str], rows: Sequence[Row], top: int) -> tuple[str, int]:
    """One chart at ``top``: each row a group of bars, one per series; returns (svg, height)."""
    peak = max((v for _, values in rows for v in values), default=0) or 1
    scale = (WIDTH - LABEL_W - 60) / peak
    parts = [f"<text x='8' y='{top + 18}' font-size='15' font-weight='600' {FONT}>{escape(title)}</text>"]
    x = LABEL_W
    for i, name in enumerate(series):  # the legend, on its own line under the title
        parts.append(f"<rect x='{x}' y='{top + 26}' width='10' height='10' fill='{PALETTE[i]}'/>")
        parts.append(f"<text x='{x + 14}' y='{top + 35}' font-size='11' {FONT}>{escape(name)}</text>")
        x += 14 + 7 * len(name) + 16
    y = top + 46
    if not rows:
        parts.append(f"<text x='{LABEL_W}' y='{y + 12}' font-size='12' fill='#555' {FONT}>nothing yet</text>")
        return "".join(parts), 46 + 24
    for label, values in rows:
        group_h = BAR_H * len(values)
        parts.append(
            f"<text x='{LABEL_W - 8}' y='{y + group_h / 2 + 4}' text-anchor='end' font-size='12' {FONT}>"
            f"{escape(label[:26])}</text>"
        )
        for i, value in enumerate(values):
            w = max(value * scale, 1 if value else 0)
            parts.append(
                f"<rect x='{LABEL_W}' y='{y + i * BAR_H}' width='{w:.1f}' height='{BAR_H - 2}'"
                f" fill='{PALETTE[i]}'>"
                f"<title>{escape(label)} {escape(series[i])}: {value:g}</title></rect>"
            )
            parts.append(
                f"<text x='{LABEL_W + w + 4:.1f}' y='{y + i * BAR_H + BAR_H - 4}' font-size='11' {FONT}>"
                f"{value:g}</text>"
            )
        y += group_h + 8
    return "".join(parts), y - top + 6


def _panels(report: Report) -> dict[Chart, tuple[str, Sequence[str], list[Row]]]:
    m, q = report.mentorships, report.questions
    rating = f" (mean rating {m.mean_rating:g} of {m.rated})" if m.mean_rating is not None else ""
    routed = report.routing.share_answered
    routing = f"; routed answerers who answered: {routed:.0%}" if routed is not None else ""
    return {
        "suggestions": (
            "Suggestions",
            ("made", "accepted", "declined"),
            [(s.kind.replace("_", " "), (s.made, s.accepted, s.declined)) for s in report.suggestions],
        ),
        "mentorships": (
            "Mentorships" + rating,
            ("mentorships",),
            [(k, (getattr(m, k),)) for k in ("requested", "active", "closed", "declined", "expired")],
        ),
        "questions": (
            "Questions" + routing,
            ("questions",),
            [
                ("asked", (q.asked,)),
                ("answered", (q.answered,)),
                ("answered within 24 h", (q.answered_within_24h,)),
                ("unanswered", (q.unanswered,)),
            ],
        ),
        "skills": (
            "Skills most learned",
            ("answered questions",),
            [(s.skill, (s.learned,)) for s in report.skills],
        ),
    }


def report_svg(report: Report, charts: Sequence[Chart] = CHARTS) -> str:
    """The report's charts stacked in one SVG document."""
    panels = _panels(report)
    body, top = [], 0
    for chart in charts:
        title, series, rows = panels[chart]
        svg, height = _panel(title, series, rows, top)
        body.append(svg)
        top += height + 12
    label = f"Programme report of {report.scope} {report.id}"
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{top}' viewBox='0 0 {WIDTH} {top}'"
        f" role='img' aria-label='{escape(label)}'><title>{escape(label)}</title>"
        f"<rect width='100%' height='100%' fill='#fff'/>{''.join(body)}</svg>"
    )
