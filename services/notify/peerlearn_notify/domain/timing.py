"""When mail may go out, in the person's own time: quiet hours, their day, their digest periods."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from peerlearn.retrying import backoff_delay
from peerlearn_notify.domain.kinds import Preferences, zone_of


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(prefs: Preferences, now: datetime) -> bool:
    """Whether ``now`` falls in the person's quiet hours (which may span midnight)."""
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return False
    local = now.astimezone(zone_of(prefs.timezone)).time().replace(second=0, microsecond=0)
    start, end = _clock(prefs.quiet_start), _clock(prefs.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def end_of_quiet_hours(prefs: Preferences, now: datetime) -> datetime:
    """When the quiet hours ``now`` falls in end (``now`` itself outside them)."""
    if not in_quiet_hours(prefs, now) or prefs.quiet_end is None:
        return now
    zone = zone_of(prefs.timezone)
    local = now.astimezone(zone)
    end = _clock(prefs.quiet_end)
    ends = datetime.combine(local.date(), end, tzinfo=zone)
    if ends <= local:
        ends = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=zone)
    return ends.astimezone(now.tzinfo)


def start_of_local_day(prefs: Preferences, now: datetime) -> datetime:
    """Midnight of the person's current day, as an aware datetime (for the daily mail cap)."""
    local = now.astimezone(zone_of(prefs.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def local_day(prefs: Preferences, now: datetime) -> str:
    """The person's current date, ``2026-12-01`` (the daily limit of new_suggestion counts it)."""
    return now.astimezone(zone_of(prefs.timezone)).date().isoformat()


def digest_period(prefs: Preferences, mode: str, now: datetime, digest_hour: int) -> str | None:
    """The digest period due now (``daily:2026-12-01``, ``weekly:2026-W49``), or None outside the
    person's local digest hour (and, for weekly ones, on any day but Monday).

    Only in that hour: what arrives later in the day waits for tomorrow's morning digest instead
    of sending one at once (a digest missed while notify was down comes the next morning)."""
    local = now.astimezone(zone_of(prefs.timezone))
    if local.hour != digest_hour:
        return None
    if mode == "daily":
        return f"daily:{local.date().isoformat()}"
    if mode == "weekly" and local.weekday() == 0:
        year, week, _ = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return None


def backoff(attempts: int, first_seconds: float) -> timedelta:
    """How long to wait after the ``attempts``-th refusal of a mail (doubling, at most a day)."""
    return timedelta(seconds=backoff_delay(attempts, base=first_seconds, cap=86_400.0))
