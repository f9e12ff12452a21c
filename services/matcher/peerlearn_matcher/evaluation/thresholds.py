"""Precision before reach: what a routing threshold would have done on the held-out questions.

A question is routed to its top :data:`~peerlearn_matcher.evaluation.replay.ROUTED` candidates
whose score clears the threshold. Per threshold we report the share of routed people who
eventually answered the question (*precision*: a wrong route is a mail nobody wanted) and the
share of questions routed to at least one eventual answerer (*reach*). The chosen threshold is
the lowest whose precision reaches :data:`TARGET_PRECISION`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# At least one routed person in three should answer: below that, routing mails mostly people
# who will not, and they learn to ignore it.
TARGET_PRECISION = 1 / 3
RAW_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2)
PROBABILITY_THRESHOLDS = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)


@dataclass(frozen=True)
class ThresholdRow:
    """What routing at one threshold did."""

    threshold: float
    routed_per_question: float
    precision: float  # routed people who answered / routed people
    reach: float  # questions with at least one routed eventual answerer / questions


def sweep(
    routing: Sequence[tuple[np.ndarray, np.ndarray, float]],
    thresholds: Sequence[float],
    *,
    probabilities: bool = False,
) -> list[ThresholdRow]:
    """One row per threshold over ``routing`` (top scores, answered flags, logsumexp per question).

    ``probabilities``: the scores are logits of a softmax over the question's candidates (the
    learned ranker), so the threshold applies to ``exp(score - logsumexp)``.
    """
    rows = []
    for threshold in thresholds:
        routed = answered = reached = 0
        for scores, came, spread in routing:
            values = np.exp(scores - spread) if probabilities else scores
            chosen = values >= threshold
            routed += int(chosen.sum())
            hits = int((chosen & came).sum())
            answered += hits
            reached += hits > 0
        n = max(len(routing), 1)
        rows.append(
            ThresholdRow(threshold, routed / n, answered / routed if routed else float("nan"), reached / n)
        )
    return rows


def chosen(rows: Sequence[ThresholdRow]) -> ThresholdRow | None:
    """The lowest threshold whose precision reaches the target (None if none does)."""
    return next((r for r in rows if r.routed_per_question and r.precision >= TARGET_PRECISION), None)


def markdown(name: str, rows: Sequence[ThresholdRow], unit: str) -> str:
    """A Markdown table of a sweep, the chosen threshold in bold."""
    pick = chosen(rows)
    lines = [
        f"Routing threshold for *{name}* ({unit}; {len(rows)} thresholds, target precision "
        f"{TARGET_PRECISION:.2f}):",
        "",
        "| threshold | routed per question | routed who answered | questions reaching an answerer |",
        "|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = "**" if r is pick else ""
        cells = f"{r.routed_per_question:.2f} | {r.precision:.3f} | {r.reach:.3f}"
        lines.append(f"| {mark}{r.threshold:g}{mark} | {cells} |")
    return "\n".join(lines)
