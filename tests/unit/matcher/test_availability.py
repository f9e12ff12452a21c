"""The availability model: local 09-18 working days, capped by weekly hours."""

from __future__ import annotations

import numpy as np

from peerlearn_matcher.domain.availability import daily_overlap, utc_offset, weekly_overlap


def test_same_zone_overlaps_fully_up_to_the_smaller_budget() -> None:
    hours, fraction = weekly_overlap(1.0, 10.0, np.array([1.0]), np.array([4.0]))
    assert hours[0] == 4.0 and fraction[0] == 1.0


def test_far_apart_zones_do_not_overlap() -> None:
    assert daily_overlap(9.0, -5.0) == 0.0  # Tokyo vs New York working days miss each other
    hours, fraction = weekly_overlap(9.0, 10.0, np.array([-5.0]), np.array([10.0]))
    assert hours[0] == 0.0 and fraction[0] == 0.0


def test_partial_overlap_and_wrap_around_midnight() -> None:
    assert daily_overlap(0.0, 3.0) == 6.0
    assert daily_overlap(11.0, -11.0) == daily_overlap(11.0, 13.0) == 7.0  # 22 h apart = 2 h apart


def test_nobody_overlaps_with_zero_weekly_hours() -> None:
    hours, fraction = weekly_overlap(0.0, 0.0, np.array([0.0, 1.0]), np.array([5.0, 5.0]))
    assert hours.tolist() == [0.0, 0.0] and fraction.tolist() == [0.0, 0.0]


def test_offsets_come_from_iana_names_and_unknown_zones_count_as_utc() -> None:
    assert utc_offset("UTC") == 0.0
    assert utc_offset("Asia/Kolkata") == 5.5
    assert utc_offset("Mars/Olympus_Mons") == 0.0
