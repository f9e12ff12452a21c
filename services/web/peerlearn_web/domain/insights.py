"""What the insights pages show in people's words: a window typed as two dates, the learning
acts' labels, and the figures of a report or a network worth a line each."""

from __future__ import annotations

from datetime import date
from typing import Any

VERB_LABELS = {
    "asked": "Asked a question",
    "discussed": "Started a discussion",
    "shared": "Shared a resource",
    "answered": "Answered a question",
    "commented": "Followed up in their own thread",
    "answer_accepted": "Had an answer accepted",
    "accepted": "Accepted an answer",
    "joined_group": "Joined a study group",
    "mentored": "Mentored a session",
    "attended": "Attended a mentoring session",
}


def window(start: str, end: str) -> tuple[dict[str, str], dict[str, str]]:
    """``from``/``to`` query values (RFC 3339 midnights, UTC; ``to`` takes in its whole day) from
    two ``YYYY-MM-DD`` dates, and the errors by field of those that are not dates."""
    params: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in (("from", start), ("to", end)):
        if not value:
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            errors[name] = "a date like 2026-05-04"
            continue
        if name == "to":
            day = date.fromordinal(day.toordinal() + 1)
        params[name] = f"{day.isoformat()}T00:00:00Z"
    if "from" in params and "to" in params and params["from"] >= params["to"]:
        errors["to"] = "must not be before the start"
        params = {}
    return params, errors


def share(value: float | None) -> str:
    """A share as a percentage, or "none" when there is nothing to divide."""
    return "none" if value is None else f"{value:.0%}"


def labels_of(network: dict[str, Any]) -> dict[str, str]:
    """``{node id: label}`` of a network's nodes, to name isolates and brokers."""
    return {str(n["id"]): str(n["label"]) for n in network.get("nodes", [])}
