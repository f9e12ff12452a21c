"""The mentorship mails' pure parts: times in the reader's zone (across a DST change), the
address only when given, attachments through the outbox's headers and into the message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from peerlearn.mail import Mail
from peerlearn_notify.adapters.mail_attachments import Attachment, split_attachments, with_attachments
from peerlearn_notify.adapters.postman import DropPostman, message_of
from peerlearn_notify.domain import mentorship_mails as words
from peerlearn_notify.domain.mentorship_mails import Proposal


def test_a_proposed_time_is_shown_in_the_readers_zone_with_its_dst() -> None:
    start = datetime(2026, 3, 30, 14, 0, tzinfo=UTC)  # Berlin is on summer time (UTC+2) by now
    proposal = Proposal(start, start + timedelta(hours=1))
    assert words.local_time(proposal, "Europe/Berlin") == "Mon 30 Mar 2026, 16:00-17:00 (Europe/Berlin)"
    assert words.local_time(proposal, "America/New_York") == "Mon 30 Mar 2026, 10:00-11:00 (America/New_York)"
    assert words.local_time(proposal, "Not/AZone").endswith("14:00-15:00 (UTC)")


def test_the_introduction_names_the_address_only_when_it_is_given() -> None:
    common = {"other": "Ada", "reader_is_mentor": False, "goal": "g", "reasons": ["r"], "proposals": []}
    with_address = words.introduction_details(other_email="ada@example.org", timezone="UTC", **common)  # type: ignore[arg-type]
    without = words.introduction_details(other_email=None, timezone="UTC", **common)  # type: ignore[arg-type]
    assert "ada@example.org" in with_address.text and "ada@example.org" in with_address.html
    assert "@" not in without.text and "Meet Ada, your mentor." in without.text


def test_attachments_travel_in_the_headers_and_are_attached_not_written_as_a_header() -> None:
    ics = Attachment(filename="invite.ics", content_type="text/calendar", content=b"BEGIN:VCALENDAR\r\n")
    headers = with_attachments({"List-Unsubscribe": "<https://x/u>"}, [ics])
    assert with_attachments({"A": "b"}, []) == {"A": "b"}
    assert split_attachments(headers) == ({"List-Unsubscribe": "<https://x/u>"}, [ics])
    message = message_of(
        DropPostman("/nonexistent"),
        Mail(to="a@b.c", subject="s", text="t", html="<p>t</p>"),
        headers=headers,
        message_id="<1@x>",
    )
    assert message.get_content_type() == "multipart/mixed"
    assert "X-Peerlearn-Attachments" not in message and message["List-Unsubscribe"] == "<https://x/u>"
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "invite.ics" and part.get_content().startswith("BEGIN:VCALENDAR")
    assert message.get_body(preferencelist=("plain",)) is not None
