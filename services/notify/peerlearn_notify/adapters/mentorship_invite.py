"""The ``.ics`` attached to a mentorship's introduction (RFC 5545, written by ``icalendar``).

The same calendar as the matcher's ``GET /v1/mentorships/{id}/invite.ics`` (same UIDs, so a
calendar that imports both keeps one copy): one tentative VEVENT per proposed first session,
in UTC so each calendar shows it in its owner's timezone. No ATTENDEE lines: the file is the
same for both, and the addresses are in the mail's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import icalendar

from peerlearn.events.matcher import ProposedTime
from peerlearn_notify.adapters.mail_attachments import Attachment

PRODID = "-//peerlearn//notify mentorships//EN"


def invite(
    mentorship_id: str,
    *,
    mentee_name: str,
    mentor_name: str,
    description: str,
    times: Sequence[ProposedTime],
    stamp: datetime,
) -> Attachment:
    """``invite.ics`` with one event per proposal (CRLF lines, folded and escaped by the library)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for n, proposal in enumerate(times, start=1):
        event = icalendar.Event()
        event.add("uid", f"{mentorship_id}-{n}@peerlearn")
        event.add("dtstamp", stamp)
        event.add("dtstart", proposal.start)
        event.add("dtend", proposal.end)
        event.add("summary", f"Mentoring: {mentee_name} and {mentor_name} (proposal {n} of {len(times)})")
        event.add("description", description)
        event.add("status", "TENTATIVE")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return Attachment(filename="invite.ics", content_type="text/calendar", content=calendar.to_ical())
