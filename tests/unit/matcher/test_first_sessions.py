"""Proposed first-session times fall inside both people's working days, on distinct days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from peerlearn_matcher.domain.first_sessions import propose_times, within_working_day

# A Friday afternoon: the next working days are Monday on, summer time over in Europe.
FRIDAY = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)


def _inside(at: datetime, minutes: int, tz: str) -> bool:
    local = at.astimezone(ZoneInfo(tz))
    end = (at + timedelta(minutes=minutes)).astimezone(ZoneInfo(tz))
    return (
        local.weekday() < 5
        and local.hour >= 9
        and (end.hour, end.minute) <= (18, 0)
        and end.date() == local.date()
    )


def test_three_times_inside_both_working_days_on_distinct_days() -> None:
    found = propose_times("Europe/Berlin", "America/New_York", FRIDAY)
    assert len(found) == 3
    for p in found:
        assert p.end - p.start == timedelta(minutes=60)
        assert _inside(p.start, 60, "Europe/Berlin") and _inside(p.start, 60, "America/New_York")
        assert p.start > FRIDAY + timedelta(hours=12)
    assert len({p.start.date() for p in found}) == 3
    # Berlin 09-18 and New York 09-18 share 15:00-18:00 Berlin = 09:00-12:00 New York.
    first = found[0]
    assert first.mentee_local.endswith("15:00 (Europe/Berlin)")
    assert first.mentor_local.endswith("09:00 (America/New_York)")
    assert first.mentee_local.startswith("Mon 9 Nov 2026")


def test_no_shared_hours_no_proposals() -> None:
    # Berlin and Auckland working days never overlap (12 or 13 hours apart).
    assert propose_times("Europe/Berlin", "Pacific/Auckland", FRIDAY) == []


def test_shared_timezone_proposes_the_start_of_the_next_working_day() -> None:
    found = propose_times("Asia/Tokyo", "Asia/Tokyo", FRIDAY)
    assert found[0].mentee_local == "Mon 9 Nov 2026 09:00 (Asia/Tokyo)"
    assert all(p.mentee_local == p.mentor_local for p in found)


def test_an_unknown_zone_counts_as_utc_and_longer_sessions_fit_too() -> None:
    found = propose_times("Not/AZone", "Europe/London", FRIDAY, minutes=120)
    assert len(found) == 3
    assert all(_inside(p.start, 120, "UTC") and _inside(p.start, 120, "Europe/London") for p in found)


def test_a_slot_across_the_end_of_a_working_day_is_outside() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 11, 9, 17, 30, tzinfo=berlin)
    assert not within_working_day(start, start + timedelta(hours=1), berlin)
    assert within_working_day(start - timedelta(minutes=30), start + timedelta(minutes=30), berlin)
    saturday = datetime(2026, 11, 7, 10, 0, tzinfo=berlin)
    assert not within_working_day(saturday, saturday + timedelta(hours=1), berlin)
