"""Reputation: points earned by accepted answers."""

from __future__ import annotations

ACCEPTED_ANSWER_POINTS = 15
"""Reputation the author of an accepted answer earns (and loses when acceptance moves away)."""


def points_for_acceptance(answer_author_id: str | None, asker_id: str | None) -> int:
    """What accepting an answer earns its author: nothing for accepting one's own answer."""
    if answer_author_id is None or answer_author_id == asker_id:
        return 0
    return ACCEPTED_ANSWER_POINTS
