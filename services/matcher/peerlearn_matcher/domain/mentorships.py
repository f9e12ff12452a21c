"""Mentorships: a request the mentor answers, an active relationship with sessions, a close.

States: ``requested`` → ``active`` (the mentor accepts) or ``declined`` (the mentor declines) or
``expired`` (nobody answered in time); ``active`` → ``closed`` (either party, with a rating).
A ``requested`` or ``active`` mentorship holds one unit of the mentor's capacity; every other
state has freed it. Who may do what (DESIGN §6): the two parties see it (notes included) and act
on it; the platform admin sees it without notes; admins of either party's org see it listed
without notes; everyone else is told it does not exist (the use cases raise; these are the rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peerlearn.directory.caller import Caller

HOLDING = ("requested", "active")
ENDED = ("declined", "expired", "closed")


@dataclass(frozen=True)
class Parties:
    """Who a mentorship is between, and their orgs (for the org admins' listing)."""

    mentee_id: str
    mentor_id: str
    mentee_org_id: str
    mentor_org_id: str

    def party(self, caller: Caller) -> bool:
        """Whether the caller is one of the two."""
        return caller.person_id is not None and caller.person_id in (self.mentee_id, self.mentor_id)

    def other(self, person_id: str) -> str:
        """The other party of ``person_id``."""
        return self.mentor_id if person_id == self.mentee_id else self.mentee_id


def may_see(caller: Caller, parties: Parties) -> bool:
    """The two parties and the platform admin see a mentorship itself."""
    return caller.platform_admin or parties.party(caller)


def may_list(caller: Caller, parties: Parties) -> bool:
    """Listing adds the admins of either party's org (the programme view, without notes)."""
    return may_see(caller, parties) or any(
        caller.is_org_admin and caller.org_id == org for org in (parties.mentee_org_id, parties.mentor_org_id)
    )


def may_list_person(caller: Caller, person_id: str, person_org_id: str | None) -> bool:
    """Who may list a person's mentorships: themselves, their org's admins, the platform admin."""
    return caller.platform_admin or caller.person_id == person_id or caller.administers_org(person_org_id)


def expired(status: str, expires_at: datetime | None, now: datetime) -> bool:
    """Whether a request is past its answer-by time."""
    return status == "requested" and expires_at is not None and expires_at <= now


def training_action(met: bool, rating: int) -> str:
    """A closed mentorship as a label for the learned ranking.

    Met and rated 3 or better is a good match (``accept``); rated lower, or never met, is not
    (``decline``): the suggestion's features are kept with the label, as for any feedback.
    """
    return "accept" if met and rating >= 3 else "decline"


def introduction(
    mentee_name: str, mentor_name: str, goal: str, reasons: list[str], proposals: list[tuple[str, str]]
) -> str:
    """The introduction both read once the mentor accepted: why, what for, and when to meet.

    ``proposals`` are (mentee's local time, mentor's local time) of each proposed first session.
    Names only: the matcher never holds email addresses (the notification carries them).
    """
    lines = [f"{mentee_name}, meet {mentor_name}, your mentor. {mentor_name}, meet {mentee_name}."]
    if goal.strip():
        lines.append(f"{mentee_name}'s goal: {goal.strip()}")
    if reasons:
        lines.append("Why you were matched: " + "; ".join(reasons) + ".")
    if proposals:
        lines.append("Proposed first sessions (60 minutes):")
        lines += [f"- {mine} for {mentee_name} = {theirs} for {mentor_name}" for mine, theirs in proposals]
    else:
        lines.append("Your working hours do not overlap on weekdays: agree a time between you.")
    return "\n".join(lines)
