"""The person's notifications from notify: the inbox pages, the header's unread count, marking
read, "not my area" for a routed question (a decline in the matcher) and the mail settings."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from peerlearn_web.adapters.upstreams import UpstreamDown, UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller

PAGE_SIZE = 20
# The header's count must never hold a page up: past this, the page shows no count.
COUNT_SECONDS = 1.5
KIND_LABELS = {
    "question_routed": "A question you may answer",
    "answer_posted": "Answers to your questions",
    "thread_activity": "Activity in threads you answered",
    "answer_accepted": "Your accepted answers",
    "new_suggestion": "New suggestions",
    "cohort_joined": "Cohorts you joined",
    "mentorship_requested": "Mentorship requests",
    "mentorship_accepted": "Mentorships accepted",
    "mentorship_declined": "Mentorship requests declined",
    "mentorship_expired": "Mentorship requests that expired",
    "mentorship_update": "Sessions and closings in your mentorships",
    "webhook_disabled": "Chat webhooks turned off after failures",
}


def label_of(kind: str) -> str:
    """What the inbox and the settings page call ``kind`` (a kind notify adds later shows as itself)."""
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


MODES = ("immediate", "daily", "weekly", "off")


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """One notification as the inbox shows it."""

    id: str
    kind: str
    title: str
    link: str
    thread_id: str | None = None
    created_at: str = ""
    read: bool = False

    @property
    def may_dismiss(self) -> bool:
        """Whether "not my area" applies (a question routed to this person)."""
        return self.kind == "question_routed" and bool(self.thread_id)


class InboxPage(msgspec.Struct, frozen=True, kw_only=True):
    items: tuple[Notification, ...]
    unread: int
    next_cursor: str | None


def _link_on_site(link: str, public_url: str) -> str:
    """notify's links name the public web address; on this site they stay relative paths."""
    base = public_url.rstrip("/")
    if base and link.startswith(base + "/"):
        return link[len(base) :]
    return link


async def inbox_page(
    ups: Upstreams, caller: Caller, *, unread_only: bool, cursor: str | None, public_url: str = ""
) -> InboxPage:
    """One page of the person's notifications, newest first."""
    raw: dict[str, Any] = await ups.required("notify").call(
        "GET",
        f"/v1/people/{caller.person_id}/notifications",
        token=caller.token,
        params={"unread": "true" if unread_only else None, "cursor": cursor, "limit": PAGE_SIZE},
    )
    items = on_site(tuple(msgspec.convert(item, Notification) for item in raw.get("items") or []), public_url)
    return InboxPage(items=items, unread=int(raw.get("unread", 0)), next_cursor=raw.get("next_cursor"))


async def unread_summary(
    ups: Upstreams, caller: Caller, latest: int = 1
) -> tuple[int | None, tuple[Notification, ...]]:
    """How many notifications are unread and the newest ``latest`` unread ones, in one call;
    (None, ()) when notify does not answer quickly (the page shows no count)."""
    if ups.notify is None:
        return None, ()
    try:
        raw = await asyncio.wait_for(
            ups.notify.call(
                "GET",
                f"/v1/people/{caller.person_id}/notifications",
                token=caller.token,
                params={"unread": "true", "limit": latest},
            ),
            COUNT_SECONDS,
        )
        if not isinstance(raw, dict):
            return None, ()
        items = tuple(msgspec.convert(item, Notification) for item in raw.get("items") or [])
        return int(raw.get("unread", 0)), items
    except (UpstreamDown, UpstreamError, TimeoutError, msgspec.ValidationError, ValueError):
        return None, ()


def on_site(items: tuple[Notification, ...], public_url: str) -> tuple[Notification, ...]:
    """The notifications with their links made paths of this site."""
    return tuple(msgspec.structs.replace(i, link=_link_on_site(i.link, public_url)) for i in items)


async def mark_read(ups: Upstreams, caller: Caller, ids: list[str] | None) -> int:
    """Mark ``ids`` read, or every notification when ``ids`` is None; how many changed."""
    body: dict[str, Any] = {"all": True} if ids is None else {"ids": ids}
    answer: dict[str, Any] = await ups.required("notify").call(
        "POST", f"/v1/people/{caller.person_id}/notifications/read", token=caller.token, json=body
    )
    return int(answer.get("marked", 0))


async def routed_suggestion(ups: Upstreams, caller: Caller, thread_id: str) -> str | None:
    """The id of the person's open answerer suggestion for ``thread_id`` in the matcher, if any."""
    raw: dict[str, Any] = await ups.matcher.call(
        "GET",
        f"/v1/people/{caller.person_id}/suggestions",
        token=caller.token,
        params={"kind": "answerer", "limit": 100},
    )
    for item in raw.get("items") or []:
        if item.get("thread_id") == thread_id and item.get("status", "open") == "open":
            return str(item["id"])
    return None


async def not_my_area(ups: Upstreams, caller: Caller, thread_id: str, idempotency_key: str | None) -> bool:
    """Dismiss a question routed to the person: decline its answerer suggestion in the matcher
    (which routes questions like it to them less) and mark its notifications read. False when
    the matcher no longer holds it open (declined before, or the question was answered)."""
    suggestion_id = await routed_suggestion(ups, caller, thread_id)
    if suggestion_id is not None:
        await ups.matcher.call(
            "POST",
            f"/v1/suggestions/{suggestion_id}/feedback",
            token=caller.token,
            json={"action": "decline"},
            idempotency_key=idempotency_key,
        )
    if ups.notify is not None:
        raw: dict[str, Any] = await ups.notify.call(
            "GET",
            f"/v1/people/{caller.person_id}/notifications",
            token=caller.token,
            params={"unread": "true", "limit": 100},
        )
        ids = [
            str(item["id"])
            for item in raw.get("items") or []
            if item.get("kind") == "question_routed" and item.get("thread_id") == thread_id
        ]
        if ids:
            await mark_read(ups, caller, ids)
    return suggestion_id is not None


class SettingsForm(msgspec.Struct, kw_only=True):
    """The settings form: a mode per kind, the timezone, quiet hours ("" for none)."""

    kinds: dict[str, str]
    timezone: str = "UTC"
    quiet_start: str = ""
    quiet_end: str = ""


async def notification_settings(ups: Upstreams, caller: Caller) -> SettingsForm:
    """The person's mail settings as the form shows them."""
    raw: dict[str, Any] = await ups.required("notify").call(
        "GET", f"/v1/people/{caller.person_id}/notification-settings", token=caller.token
    )
    return SettingsForm(
        kinds={str(k): str(v) for k, v in (raw.get("kinds") or {}).items()},
        timezone=str(raw.get("timezone") or "UTC"),
        quiet_start=str(raw.get("quiet_start") or ""),
        quiet_end=str(raw.get("quiet_end") or ""),
    )


def settings_errors(form: SettingsForm) -> dict[str, str]:
    """What is wrong with the form before notify is asked, by field."""
    errors: dict[str, str] = {}
    for kind, mode in form.kinds.items():
        if mode not in MODES:
            errors[f"kind-{kind}"] = f"Choose one of: {', '.join(MODES)}."
    if bool(form.quiet_start) != bool(form.quiet_end):
        missing = "quiet_end" if form.quiet_start else "quiet_start"
        errors[missing] = "Quiet hours need a start and an end (or leave both empty)."
    return errors


def field_of(detail: str) -> str:
    """The form field notify's refusal is about ("" for the whole form)."""
    for name in ("quiet_start", "quiet_end", "timezone"):
        if name in detail:
            return name
    return "quiet_start" if "quiet hours" in detail else ""


async def save_settings(ups: Upstreams, caller: Caller, form: SettingsForm) -> SettingsForm:
    """Store the settings in notify (all of them: kinds left out keep their defaults)."""
    body = {
        "kinds": form.kinds,
        "timezone": form.timezone or "UTC",
        "quiet_start": form.quiet_start or None,
        "quiet_end": form.quiet_end or None,
    }
    await ups.required("notify").call(
        "PUT", f"/v1/people/{caller.person_id}/notification-settings", token=caller.token, json=body
    )
    return await notification_settings(ups, caller)
