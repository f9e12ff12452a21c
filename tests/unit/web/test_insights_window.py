"""The insights pages' window: two typed dates become insights' ``from``/``to`` (the end day
included), a wrong date is named beside its field, a backwards window is refused."""

from __future__ import annotations

from peerlearn_web.domain.insights import share, window


def test_two_dates_become_a_window_that_includes_the_last_day() -> None:
    assert window("2026-05-04", "2026-05-10") == (
        {"from": "2026-05-04T00:00:00Z", "to": "2026-05-11T00:00:00Z"},
        {},
    )
    assert window("", "") == ({}, {})


def test_a_wrong_date_is_named_and_left_out() -> None:
    params, errors = window("yesterday", "2026-05-10")
    assert params == {"to": "2026-05-11T00:00:00Z"}
    assert errors == {"from": "a date like 2026-05-04"}


def test_a_backwards_window_is_refused() -> None:
    assert window("2026-05-10", "2026-05-01") == ({}, {"to": "must not be before the start"})


def test_a_share_reads_as_a_percentage() -> None:
    assert (share(0.5), share(None)) == ("50%", "none")
