"""Mentorships as the pages show them: the list grouped by what the viewer has to do, one
mentorship from the viewer's side (the other person, times in the viewer's timezone), and the
"log a session" and "close" forms read into what the matcher accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from peerlearn_web.domain.forms import FormInvalid, parse_tags

RATING_LABELS = {
    1: "1 — it did not help",
    2: "2 — a little",
    3: "3 — useful",
    4: "4 — very useful",
    5: "5 — exactly what I needed",
}
STATUS_TEXT = {
    "requested": "waiting for the mentor's answer",
    "active": "active",
    "declined": "declined by the mentor",
    "expired": "expired unanswered",
    "closed": "closed",
}


class Card(msgspec.Struct, frozen=True, kw_only=True):
    """One mentorship in the list, from the viewer's side."""

    id: str
    kind: str
    status: str
    status_text: str
    other_name: str
    i_am_mentor: bool
    goal: str
    reasons: tuple[str, ...]
    session_count: int
    expires: str
    rating: int | None


class Groups(msgspec.Struct, frozen=True, kw_only=True):
    """The /mentorships page: requests for me to answer, mine waiting, active, closed."""

    to_answer: tuple[Card, ...]
    waiting: tuple[Card, ...]
    active: tuple[Card, ...]
    closed: tuple[Card, ...]

    @property
    def empty(self) -> bool:
        """Whether the person has no mentorship at all."""
        return not (self.to_answer or self.waiting or self.active or self.closed)


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    """A proposed first session: the viewer's local time first, the other person's beside it."""

    mine: str
    theirs: str


class Session(msgspec.Struct, frozen=True, kw_only=True):
    at: str
    minutes: int
    topics: tuple[str, ...]
    notes: str | None
    logged_by_me: bool


class Detail(msgspec.Struct, frozen=True, kw_only=True):
    """One mentorship's page."""

    card: Card
    other_id: str
    introduction: str | None
    slots: tuple[Slot, ...]
    sessions: tuple[Session, ...]
    comment: str | None
    timezone: str


def zone(name: str) -> ZoneInfo:
    """The viewer's timezone, UTC when their profile names none the system knows."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M")


def _reason_texts(raw: list[Any]) -> tuple[str, ...]:
    texts = (str(r.get("text") or "") if isinstance(r, dict) else str(r) for r in raw or [])
    return tuple(t for t in texts if t)


def card_of(raw: dict[str, Any], viewer_id: str, tz: ZoneInfo) -> Card:
    """A matcher mentorship (JSON) as the viewer sees it in a list."""
    i_am_mentor = raw["mentor"]["person_id"] == viewer_id
    other = raw["mentee"] if i_am_mentor else raw["mentor"]
    status = str(raw.get("status", ""))
    return Card(
        id=str(raw["id"]),
        kind=str(raw.get("kind", "mentor")),
        status=status,
        status_text=STATUS_TEXT.get(status, status),
        other_name=str(other.get("display_name") or "someone"),
        i_am_mentor=i_am_mentor,
        goal=str(raw.get("goal") or ""),
        reasons=_reason_texts(raw.get("reasons") or []),
        session_count=int(raw.get("session_count") or 0),
        expires=_when(raw.get("expires_at"), tz),
        rating=raw.get("rating"),
    )


def group_mentorships(items: list[dict[str, Any]], viewer_id: str, tz: ZoneInfo) -> Groups:
    """Sort a person's mentorships into what the page shows, keeping the matcher's order."""
    cards = [card_of(item, viewer_id, tz) for item in items]
    return Groups(
        to_answer=tuple(c for c in cards if c.status == "requested" and c.i_am_mentor),
        waiting=tuple(c for c in cards if c.status == "requested" and not c.i_am_mentor),
        active=tuple(c for c in cards if c.status == "active"),
        closed=tuple(c for c in cards if c.status in ("closed", "declined", "expired")),
    )


def detail_of(raw: dict[str, Any], viewer_id: str, timezone: str) -> Detail:
    """One mentorship from the viewer's side; proposed times and session times in their timezone."""
    tz = zone(timezone)
    card = card_of(raw, viewer_id, tz)
    other = raw["mentee"] if card.i_am_mentor else raw["mentor"]
    slots = tuple(
        Slot(
            mine=_when(t.get("start"), tz),
            theirs=str((t.get("mentee_local") if card.i_am_mentor else t.get("mentor_local")) or ""),
        )
        for t in raw.get("proposed_times") or []
    )
    sessions = tuple(
        Session(
            at=_when(s.get("at"), tz),
            minutes=int(s.get("minutes") or 0),
            topics=tuple(s.get("topics") or ()),
            notes=s.get("notes"),
            logged_by_me=s.get("logged_by") == viewer_id,
        )
        for s in raw.get("sessions") or []
    )
    return Detail(
        card=card,
        other_id=str(other.get("person_id", "")),
        introduction=raw.get("introduction"),
        slots=slots,
        sessions=sessions,
        comment=raw.get("comment"),
        timezone=str(tz),
    )


class SessionForm(msgspec.Struct, kw_only=True):
    """The "log a session" form as the browser sends it (a datetime-local is the viewer's time)."""

    at: str = ""
    minutes: str = "60"
    topics: str = ""
    notes: str = ""
    idem: str = ""


class CloseForm(msgspec.Struct, kw_only=True):
    """The "close" form: a rating radio and an optional comment."""

    rating: str = ""
    comment: str = ""
    idem: str = ""


def session_body(form: SessionForm, timezone: str) -> dict[str, Any]:
    """The matcher's ``{at, minutes, notes, topics}``, or :class:`FormInvalid` beside each field."""
    errors: dict[str, str] = {}
    at: datetime | None = None
    try:
        at = datetime.fromisoformat(form.at.strip()) if form.at.strip() else None
    except ValueError:
        errors["at"] = f"{form.at!r} is not a date and time"
    if at is None and "at" not in errors:
        errors["at"] = "when did you meet? Give a date and time"
    minutes = 0
    try:
        minutes = int(form.minutes.strip() or "0")
    except ValueError:
        errors["minutes"] = f"{form.minutes!r} is not a whole number of minutes"
    if "minutes" not in errors and not 5 <= minutes <= 480:
        errors["minutes"] = "a session lasts 5 to 480 minutes"
    topics = parse_tags(form.topics.replace("#", ""))
    if len(topics) > 20 or any(len(t) > 80 for t in topics):
        errors["topics"] = "at most 20 topics, each up to 80 characters"
    if len(form.notes) > 5000:
        errors["notes"] = "notes are limited to 5000 characters"
    if errors or at is None:
        raise FormInvalid(errors)
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone(timezone))
    body: dict[str, Any] = {"at": at.isoformat(), "minutes": minutes, "topics": topics}
    if form.notes.strip():
        body["notes"] = form.notes.strip()
    return body


def close_body(form: CloseForm) -> dict[str, Any]:
    """The matcher's ``{rating, comment?}``, or :class:`FormInvalid` beside the field."""
    if form.rating.strip() not in {str(n) for n in RATING_LABELS}:
        raise FormInvalid({"rating": "choose a rating from 1 to 5"})
    if len(form.comment) > 2000:
        raise FormInvalid({"comment": "a comment is limited to 2000 characters"})
    body: dict[str, Any] = {"rating": int(form.rating)}
    if form.comment.strip():
        body["comment"] = form.comment.strip()
    return body
