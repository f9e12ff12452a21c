"""Request and response bodies of notify's API (requests refuse unknown fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from peerlearn_notify.domain.kinds import Preferences

ModeName = Literal["immediate", "daily", "weekly", "off"]


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    title: str
    link: str
    thread_id: str | None = None
    created_at: datetime
    read: bool


class NotificationPage(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    items: list[Notification]
    next_cursor: str | None
    unread: int


class MarkRead(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``{"ids": [...]}`` or ``{"all": true}``."""

    ids: list[str] | None = None
    all: bool = False


class Marked(msgspec.Struct, frozen=True, kw_only=True):
    marked: int


class NotificationSettings(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    kinds: dict[str, ModeName]
    timezone: str
    quiet_start: str | None = None
    quiet_end: str | None = None


class SettingsIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole settings; kinds left out keep their defaults. Unknown kinds are refused."""

    kinds: dict[str, str] = {}
    timezone: str = "UTC"
    quiet_start: str | None = None
    quiet_end: str | None = None


class Unsubscription(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    done: bool
    detail: str


def notification(row: Any) -> Notification:
    """A stored notification as the API shows it."""
    return Notification(
        id=row.id,
        kind=row.kind,
        title=row.title,
        link=row.link,
        thread_id=row.thread_id,
        created_at=row.created_at,
        read=row.read_at is not None,
    )


def settings_of(person_id: str, prefs: Preferences) -> NotificationSettings:
    """A person's settings as the API shows them."""
    return NotificationSettings(
        person_id=person_id,
        kinds=dict(prefs.modes),
        timezone=prefs.timezone,
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
    )
