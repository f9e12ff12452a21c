"""The mentorship invitation is RFC 5545: CRLF lines, folded and escaped, parsed back intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from peerlearn.events.matcher import ProposedTime
from peerlearn.invitations import invite_ics

START = datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


def _times(n: int) -> list[ProposedTime]:
    return [
        ProposedTime(
            start=START + timedelta(days=i),
            end=START + timedelta(days=i, hours=1),
            mentee_local=f"day {i} 15:00 (Europe/Berlin)",
            mentor_local=f"day {i} 09:00 (America/New_York)",
        )
        for i in range(n)
    ]


def test_one_tentative_event_per_proposal_parsed_back() -> None:
    description = "Ana, meet Bo; goal: learn SQL, window functions; really\nWhy: rust ↔ go" + " long" * 30
    body = invite_ics(
        "m-1",
        mentee_name="Ana, the learner",
        mentor_name="Bo; mentor",
        description=description,
        times=_times(3),
        stamp=START,
    )
    text = body.decode("utf-8")
    lines = text.split("\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    # Content lines are folded at 75 octets (RFC 5545 §3.1).
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert "SUMMARY:Mentoring: Ana\\, the learner and Bo\\; mentor (proposal 1 of 3)" in text.replace(
        "\r\n ", ""
    )
    parsed = icalendar.Calendar.from_ical(body)
    found = list(parsed.walk("VEVENT"))
    assert len(found) == 3
    assert [e.decoded("dtstart") for e in found] == [START + timedelta(days=i) for i in range(3)]
    assert all(e.decoded("dtend") - e.decoded("dtstart") == timedelta(hours=1) for e in found)
    assert str(found[0]["description"]) == description
    assert {str(e["uid"]) for e in found} == {"m-1-1@peerlearn", "m-1-2@peerlearn", "m-1-3@peerlearn"}
    assert all(str(e["status"]) == "TENTATIVE" for e in found)
    assert "ATTENDEE" not in text  # the matcher holds no email addresses


def test_no_proposals_is_still_a_valid_calendar() -> None:
    body = invite_ics("m-2", mentee_name="A", mentor_name="B", description="", times=[], stamp=START)
    parsed = icalendar.Calendar.from_ical(body)
    assert list(parsed.walk("VEVENT")) == [] and str(parsed["prodid"]).startswith("-//peerlearn")
