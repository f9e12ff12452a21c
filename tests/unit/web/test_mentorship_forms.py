"""The mentorship pages' pure rules: the session and close forms, the list's groups, local times."""

from __future__ import annotations

from datetime import datetime

import pytest

from peerlearn_web.domain.forms import FormInvalid
from peerlearn_web.domain.mentorships import (
    CloseForm,
    SessionForm,
    close_body,
    detail_of,
    group_mentorships,
    session_body,
    zone,
)


def raw(mid: str, status: str, mentee: str, mentor: str, **extra: object) -> dict[str, object]:
    return {
        "id": mid,
        "kind": "mentor",
        "status": status,
        "mentee": {"person_id": mentee, "display_name": mentee.title()},
        "mentor": {"person_id": mentor, "display_name": mentor.title()},
        "expires_at": "2026-12-08T10:00:00Z",
        **extra,
    }


def test_a_typed_time_is_read_in_the_viewers_timezone() -> None:
    body = session_body(SessionForm(at="2026-11-30T15:00", minutes="50", topics="a, b, a"), "Europe/Berlin")
    assert datetime.fromisoformat(body["at"]).utcoffset().total_seconds() == 3600  # type: ignore[union-attr]
    assert body["minutes"] == 50 and body["topics"] == ["a", "b"] and "notes" not in body


def test_every_wrong_session_field_is_named() -> None:
    with pytest.raises(FormInvalid) as caught:
        session_body(SessionForm(at="yesterday", minutes="many"), "UTC")
    assert set(caught.value.fields) == {"at", "minutes"}
    with pytest.raises(FormInvalid) as caught:
        session_body(SessionForm(at="2026-11-30T10:00", minutes="481"), "UTC")
    assert set(caught.value.fields) == {"minutes"}


@pytest.mark.parametrize("rating", ["", "0", "6", "x"])
def test_a_close_needs_a_rating_from_1_to_5(rating: str) -> None:
    with pytest.raises(FormInvalid) as caught:
        close_body(CloseForm(rating=rating))
    assert set(caught.value.fields) == {"rating"}
    assert close_body(CloseForm(rating="5", comment=" ok ")) == {"rating": 5, "comment": "ok"}


def test_the_list_is_grouped_by_what_the_viewer_has_to_do() -> None:
    items = [
        raw("1", "requested", "ann", "me"),
        raw("2", "requested", "me", "bob"),
        raw("3", "active", "me", "bob"),
        raw("4", "declined", "me", "cid"),
        raw("5", "closed", "dan", "me", rating=4),
    ]
    groups = group_mentorships(items, "me", zone("Europe/Paris"))
    assert [c.id for c in groups.to_answer] == ["1"] and groups.to_answer[0].other_name == "Ann"
    assert [c.id for c in groups.waiting] == ["2"] and groups.waiting[0].expires == "Tue 08 Dec 2026, 11:00"
    assert [c.id for c in groups.active] == ["3"]
    assert [c.id for c in groups.closed] == ["4", "5"] and not groups.empty


def test_proposed_times_are_the_viewers_clock_beside_the_others() -> None:
    times = [
        {
            "start": "2026-12-03T09:00:00Z",
            "end": "2026-12-03T10:00:00Z",
            "mentee_local": "Thu 10:00 (Paris)",
            "mentor_local": "Thu 04:00 (NY)",
        }
    ]
    as_mentor = detail_of(raw("1", "active", "ann", "me", proposed_times=times), "me", "America/New_York")
    assert (
        as_mentor.slots[0].mine == "Thu 03 Dec 2026, 04:00"
        and as_mentor.slots[0].theirs == "Thu 10:00 (Paris)"
    )
    as_mentee = detail_of(raw("1", "active", "me", "bob", proposed_times=times), "me", "Nowhere/Unknown")
    assert as_mentee.timezone == "UTC" and as_mentee.slots[0].theirs == "Thu 04:00 (NY)"
