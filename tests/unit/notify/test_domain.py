"""notify's pure rules: settings checks, quiet hours and digest periods in the person's time,
the digest's grouping and cut, unsubscribe tokens, the stream cap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from peerlearn.errors import Invalid, NotFound, TooMany
from peerlearn_notify.domain import mails
from peerlearn_notify.domain.kinds import DEFAULT_MODES, Preferences, preferences
from peerlearn_notify.domain.timing import digest_period, in_quiet_hours, local_day
from peerlearn_notify.domain.unsubscribe import read_token, token_for
from peerlearn_notify.http.stream_slots import StreamSlots


def test_defaults_are_immediate_for_what_someone_waits_on() -> None:
    immediate = {kind for kind, mode in DEFAULT_MODES.items() if mode == "immediate"}
    assert immediate == {
        "question_routed",
        "answer_posted",
        "mentorship_requested",
        "mentorship_accepted",
        "mentorship_declined",
        "mentorship_expired",
    }
    assert DEFAULT_MODES["mentorship_update"] == "daily"  # the other party logged or closed it
    assert Preferences().mode_of("cohort_joined") == "daily"


def test_settings_keep_defaults_for_kinds_left_out() -> None:
    prefs = preferences({"question_routed": "off"}, "Europe/Paris", None, None)
    assert prefs.mode_of("question_routed") == "off" and prefs.mode_of("answer_posted") == "immediate"


@pytest.mark.parametrize(
    ("modes", "zone", "start", "end", "says"),
    [
        ({"nope": "daily"}, "UTC", None, None, "unknown notification kinds: nope"),
        ({"question_routed": "sometimes"}, "UTC", None, None, "must be one of"),
        ({}, "Nowhere/Land", None, None, "unknown timezone"),
        ({}, "UTC", "22:00", None, "both"),
        ({}, "UTC", "7:00", "08:00", "HH:MM"),
    ],
)
def test_bad_settings_say_what_is_wrong(
    modes: dict[str, str], zone: str, start: str | None, end: str | None, says: str
) -> None:
    with pytest.raises(Invalid, match=says):
        preferences(modes, zone, start, end)


def test_quiet_hours_span_midnight_in_the_persons_timezone() -> None:
    prefs = Preferences(timezone="Europe/Berlin", quiet_start="22:00", quiet_end="07:00")
    assert in_quiet_hours(prefs, datetime(2026, 12, 1, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    assert in_quiet_hours(prefs, datetime(2026, 12, 1, 5, 59, tzinfo=UTC))  # 06:59
    assert not in_quiet_hours(prefs, datetime(2026, 12, 1, 6, 0, tzinfo=UTC))  # 07:00: over
    assert not in_quiet_hours(prefs, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert not in_quiet_hours(Preferences(), datetime(2026, 12, 1, 3, 0, tzinfo=UTC))


def test_digests_are_due_only_in_the_local_digest_hour_weekly_on_mondays() -> None:
    tokyo = Preferences(timezone="Asia/Tokyo")
    monday_8_15 = datetime(2026, 11, 29, 23, 15, tzinfo=UTC)  # Monday 30 Nov, 08:15 in Tokyo
    assert digest_period(tokyo, "daily", monday_8_15, 8) == "daily:2026-11-30"
    assert digest_period(tokyo, "weekly", monday_8_15, 8) == "weekly:2026-W49"
    assert digest_period(tokyo, "daily", datetime(2026, 11, 30, 1, 0, tzinfo=UTC), 8) is None  # 10:00
    tuesday = datetime(2026, 11, 30, 23, 15, tzinfo=UTC)
    assert digest_period(tokyo, "weekly", tuesday, 8) is None
    assert local_day(tokyo, monday_8_15) == "2026-11-30"


def test_a_digest_groups_by_kind_and_shows_at_most_20() -> None:
    items = [mails.Item(kind="question_routed", title=f"Q{n}", link=f"http://x/{n}") for n in range(30)]
    items += [mails.Item(kind="cohort_joined", title="Joined Guild", link="http://x/c")]
    body = mails.digest("daily:2026-12-01", items, "http://x/settings", "http://x/unsub")
    assert body.subject == "Your daily peerlearn digest: 31 new"
    assert "and 11 more" in body.text and "and 11 more" in body.html
    assert "Q19" in body.text and "Q20" not in body.text and "Joined Guild" not in body.text
    assert body.text.count("Questions you may know the answer to") == 1
    assert "http://x/unsub" in body.text and "http://x/settings" in body.html


def test_mail_html_escapes_titles() -> None:
    body = mails.single(mails.Item(kind="k", title="<script>x</script>", link="http://x"), "s", "u")
    assert "<script>" not in body.html and "&lt;script&gt;" in body.html


def test_unsubscribe_tokens_are_signed() -> None:
    token = token_for("secret-1", "p-1", "question_routed")
    assert read_token("secret-1", token) == ("p-1", "question_routed")
    with pytest.raises(NotFound):
        read_token("secret-2", token)
    forged = token_for("secret-1", "p-2", "question_routed").split(".")[0] + "." + token.split(".")[1]
    with pytest.raises(NotFound):
        read_token("secret-1", forged)
    for junk in ("", ".", "abc", "!!!.???"):
        with pytest.raises(NotFound):
            read_token("secret-1", junk)


def test_streams_per_person_are_capped_and_given_back() -> None:
    slots = StreamSlots(2)
    slots.take("p")
    slots.take("p")
    with pytest.raises(TooMany):
        slots.take("p")
    slots.take("q")  # others are not affected
    with slots.held("p"):
        pass
    slots.take("p")  # one was given back
