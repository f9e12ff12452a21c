"""Votes: one per person and target, +1 or -1."""

from __future__ import annotations


def vote_delta(previous: int | None, value: int) -> int:
    """How much a score moves when a voter's vote goes from ``previous`` (None: none) to ``value``."""
    return value - (previous or 0)
