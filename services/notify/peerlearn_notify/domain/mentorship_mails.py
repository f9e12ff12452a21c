"""The words of the mentorship notifications: the mentor's request, the introduction both
receive when it is accepted (the other's address, reasons, goal, the proposed first sessions
in the reader's own timezone), and the kind note to a mentee whose request did not go ahead.

Pure: the handlers pass names, the address (only for an active mentorship) and the times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peerlearn_notify.domain.mails import Details


@dataclass(frozen=True)
class Proposal:
    """A proposed first session: its start and end (aware), and the other's local start."""

    start: datetime
    end: datetime
    other_local: str = ""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # an odd zone in an event never stops a mail
        return ZoneInfo("UTC")


def local_time(proposal: Proposal, timezone: str) -> str:
    """``Wed 2 Dec 2026, 10:00-11:00 (Europe/Paris)``: the session as the reader lives it."""
    zone = _zone(timezone)
    start, end = proposal.start.astimezone(zone), proposal.end.astimezone(zone)
    return f"{start:%a} {start.day} {start:%b %Y, %H:%M}-{end:%H:%M} ({zone.key})"


def local_date(moment: datetime, timezone: str) -> str:
    """``9 Dec 2026``, the day of ``moment`` in ``timezone``."""
    day = moment.astimezone(_zone(timezone))
    return f"{day.day} {day:%b %Y}"


def _paragraphs(lines: Sequence[str], items: Sequence[tuple[str, Sequence[str]]]) -> Details:
    """Text and HTML of some lines, then headed lists (a list left empty is left out)."""
    text = [*lines]
    html = [f"<p>{escape(line)}</p>" for line in lines]
    for heading, members in items:
        if not members:
            continue
        text += ["", f"{heading}:", *(f"- {m}" for m in members)]
        html.append(f"<h3>{escape(heading)}</h3><ul>{''.join(f'<li>{escape(m)}</li>' for m in members)}</ul>")
    return Details(text="\n".join(text) + "\n", html="".join(html))


def request_title(mentee: str, goal: str) -> str:
    """The mentor's notification: who asks and for what."""
    return f"{mentee} asks you to mentor them: {goal}" if goal else f"{mentee} asks you to mentor them"


def request_details(
    mentee: str, goal: str, reasons: Sequence[str], expires_at: datetime | None, timezone: str
) -> Details:
    """What the mentor needs to decide: the goal, why they were matched, until when."""
    lines = [f"{mentee} would like you to mentor them."]
    if goal:
        lines.append(f"Their goal: {goal}")
    if expires_at is not None:
        lines.append(
            f"Please accept or decline by {local_date(expires_at, timezone)}; after that the request "
            "expires and your slot is free again."
        )
    return _paragraphs(lines, [("Why you were matched", reasons)])


def introduction_title(other: str, *, reader_is_mentor: bool) -> str:
    """Each side's notification of the accepted mentorship."""
    return f"You are now mentoring {other}" if reader_is_mentor else f"{other} agreed to mentor you"


def introduction_details(
    *,
    other: str,
    other_email: str | None,
    reader_is_mentor: bool,
    goal: str,
    reasons: Sequence[str],
    proposals: Sequence[Proposal],
    timezone: str,
) -> Details:
    """The introduction: who the other is and how to reach them, why, and when to meet first."""
    role = "your mentee" if reader_is_mentor else "your mentor"
    lines = [f"Meet {other}, {role}."]
    if other_email:
        lines.append(f"You can write to {other} at {other_email}.")
    if goal:
        lines.append(f"The goal: {goal}")
    times = [
        local_time(p, timezone) + (f" — {p.other_local} for {other}" if p.other_local else "")
        for p in proposals
    ]
    if times:
        lines.append(
            "Three times that fall inside both of your working hours are proposed below; the attached "
            "invitation (invite.ics) holds them for your calendar: keep the one you agree on."
        )
    return _paragraphs(lines, [("Why you were matched", reasons), ("Proposed first sessions", times)])


def not_going_ahead_title(mentor: str, *, expired: bool) -> str:
    """The mentee's notification of a declined or expired request."""
    if expired:
        return f"Your mentorship request to {mentor} expired"
    return f"{mentor} can't take on your mentorship request right now"


def not_going_ahead_details(mentor: str, *, expired: bool, home_url: str) -> Details:
    """Kind words, and where to find other mentors."""
    first = (
        f"{mentor} did not answer your request in time, so it expired."
        if expired
        else f"{mentor} isn't able to mentor you right now — often it is only a matter of time and capacity."
    )
    return _paragraphs(
        [first, f"Other mentors who match your goal are suggested on your home page: {home_url}"], []
    )
