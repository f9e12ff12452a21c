"""Repositories of the forum: SQLAlchemy Core over the tables in :mod:`peerlearn_forum.models`."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time the forum stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
