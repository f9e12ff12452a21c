"""Proposed first-session times: inside both people's working hours, shown in both timezones.

The availability model of :mod:`.availability`: everyone works weekdays 09:00-18:00 local time.
A proposal is a slot of ``minutes`` that starts and ends inside *both* local working days (so
summer time and the two weekdays are each person's own). Proposals start the day after the
introduction, on distinct days (a choice, not three slots of one afternoon), each at the
earliest half hour the two share that day. Two people whose working days never overlap get none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peerlearn_matcher.domain.availability import DAY_HOURS, DAY_START

STEP = timedelta(minutes=30)
SEARCH_DAYS = 21  # three weeks: enough for three distinct weekdays whenever the days overlap


@dataclass(frozen=True)
class Proposal:
    """One proposed slot in UTC with its local wall-clock start for each person."""

    start: datetime
    end: datetime
    mentee_local: str
    mentor_local: str


def zone(name: str) -> ZoneInfo:
    """An IANA timezone (an unknown name counts as UTC, as the availability model does)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def within_working_day(start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    """Whether ``start``..``end`` lies inside one local weekday's 09:00-18:00 in ``tz``."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_start.date() != local_end.date() or local_start.weekday() >= 5:
        return False
    opens = datetime.combine(local_start.date(), time(int(DAY_START)), tz)
    closes = opens + timedelta(hours=DAY_HOURS)
    return opens <= local_start and local_end <= closes


def local_label(at: datetime, tz: ZoneInfo) -> str:
    """``Tue 3 Dec 2026 10:00 (Europe/Berlin)``: a start as that person reads it."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} ({tz.key})"


def propose_times(
    mentee_timezone: str,
    mentor_timezone: str,
    after: datetime,
    *,
    count: int = 3,
    minutes: int = 60,
) -> list[Proposal]:
    """Up to ``count`` slots of ``minutes`` on distinct days after ``after``, inside both working days."""
    mentee_tz, mentor_tz = zone(mentee_timezone), zone(mentor_timezone)
    length = timedelta(minutes=minutes)
    # From the next whole hour of the next day (UTC): nobody is asked to meet the same day.
    start = (after.astimezone(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    found: list[Proposal] = []
    used_days: set[tuple[object, object]] = set()
    at = start
    while at < start + timedelta(days=SEARCH_DAYS) and len(found) < count:
        end = at + length
        days = (at.astimezone(mentee_tz).date(), at.astimezone(mentor_tz).date())
        if (
            days not in used_days
            and within_working_day(at, end, mentee_tz)
            and within_working_day(at, end, mentor_tz)
        ):
            used_days.add(days)
            found.append(
                Proposal(
                    start=at,
                    end=end,
                    mentee_local=local_label(at, mentee_tz),
                    mentor_local=local_label(at, mentor_tz),
                )
            )
        at += STEP
    return found
