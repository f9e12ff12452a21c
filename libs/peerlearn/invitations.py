"""A mentorship's proposed first sessions as an iCalendar file (RFC 5545, written by ``icalendar``).

One calendar for the matcher's ``GET /v1/mentorships/{id}/invite.ics`` and notify's
introduction mail, so both give the same UIDs and a calendar that imports both keeps one copy.
One tentative VEVENT per proposed time (the two pick one and delete the others), in UTC so
every calendar shows it in its owner's timezone. No ATTENDEE lines: the file is the same for
both people, and the matcher never holds email addresses (DESIGN §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import icalendar

from peerlearn.events.matcher import ProposedTime

PRODID = "-//peerlearn//mentorships//EN"


def invite_ics(
    mentorship_id: str,
    *,
    mentee_name: str,
    mentor_name: str,
    description: str,
    times: Sequence[ProposedTime],
    stamp: datetime,
    domain: str = "peerlearn",
) -> bytes:
    """The calendar (CRLF lines, folded and escaped by the library) with one event per proposal."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for n, proposal in enumerate(times, start=1):
        event = icalendar.Event()
        event.add("uid", f"{mentorship_id}-{n}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", proposal.start)
        event.add("dtend", proposal.end)
        event.add("summary", f"Mentoring: {mentee_name} and {mentor_name} (proposal {n} of {len(times)})")
        event.add("description", description)
        event.add("status", "TENTATIVE")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
