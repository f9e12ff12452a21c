"""When two people can meet: a simple, stated model of availability from timezone and weekly hours.

The model: everyone is available on weekdays inside their local working day, 09:00-18:00
(:data:`DAY_START`, :data:`DAY_HOURS`), for at most ``weekly_hours`` a week. Two people overlap
by the hours their working days share in UTC (with today's offsets, so summer time counts),
times five days, capped by the smaller weekly budget. A person with 0 weekly hours overlaps with
nobody. The fraction used for ranking is that overlap over the smaller budget (0..1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

DAY_START = 9.0
DAY_HOURS = 9.0
WORKDAYS = 5


@lru_cache(maxsize=1024)
def _offset_hours(timezone: str, day: str) -> float:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    offset = datetime.now(UTC).astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600.0 if offset else 0.0


def utc_offset(timezone: str, now: datetime | None = None) -> float:
    """The UTC offset of an IANA timezone today, in hours (an unknown zone counts as UTC)."""
    day = (now or datetime.now(UTC)).date().isoformat()
    return _offset_hours(timezone, day)


def daily_overlap(offset_a: float | np.ndarray, offset_b: float | np.ndarray) -> float | np.ndarray:
    """Hours per day two local 09-18 windows share, given their UTC offsets (vectorised)."""
    gap = np.abs(np.asarray(offset_a, dtype=np.float64) - np.asarray(offset_b, dtype=np.float64)) % 24.0
    gap = np.minimum(gap, 24.0 - gap)
    return np.clip(DAY_HOURS - gap, 0.0, DAY_HOURS)


def weekly_overlap(
    offset_a: float, hours_a: float, offsets_b: np.ndarray, hours_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly overlapping hours and their fraction of the smaller budget, for one person vs many."""
    shared = daily_overlap(offset_a, offsets_b) * WORKDAYS
    budget = np.minimum(float(hours_a), np.asarray(hours_b, dtype=np.float64))
    hours = np.minimum(shared, budget)
    hours = np.where(budget > 0, hours, 0.0)
    fraction = np.where(budget > 0, hours / np.maximum(budget, 1e-9), 0.0)
    return hours, np.clip(fraction, 0.0, 1.0)
