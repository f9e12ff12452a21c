"""Moments as the forum keeps them: always UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(value: datetime) -> datetime:
    """``value`` with its UTC offset (SQLite hands back naive datetimes; every stored time is UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    """:func:`utc` for a moment that may be missing (an ``edited_at`` never set)."""
    return None if value is None else utc(value)
