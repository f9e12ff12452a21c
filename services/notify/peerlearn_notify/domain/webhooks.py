"""Org webhooks in the domain's words: what a webhook may be, which questions an org's channel
may hear of, which addresses a delivery may reach, the signature and the bodies posted.

The org-wide rule (conservative, DESIGN §6): an org's channel hears only of questions in a
space of that org that everyone in the org may see (visibility ``org`` with that ``org_id``).
Never a cohort space (its members come from several orgs, and the channel's readers need not
be among them), never a public space (it belongs to no org), never another org's space.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from peerlearn.directory.caller import Where
from peerlearn.errors import Invalid

FORMATS = ("slack", "json")
EVENTS = ("question_created", "question_unanswered", "answer_accepted")
DEFAULT_UNANSWERED_HOURS = 24
MAX_UNANSWERED_HOURS = 24 * 30
MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class WebhookSpec:
    """A checked webhook request."""

    url: str
    format: str
    events: tuple[str, ...]
    unanswered_after_hours: int | None


def webhook_spec(url: str, format: str, events: list[str], unanswered_after_hours: int | None) -> WebhookSpec:
    """Check a webhook request; :class:`Invalid` names what is wrong."""
    host_of(url)
    if format not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}")
    if not events:
        raise Invalid(f"events must name at least one of {', '.join(EVENTS)}")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise Invalid(f"unknown webhook events: {', '.join(unknown)}", extra={"events": list(EVENTS)})
    if len(set(events)) != len(events):
        raise Invalid("events must not repeat")
    hours = unanswered_after_hours
    if hours is not None and "question_unanswered" not in events:
        raise Invalid("unanswered_after_hours goes only with the question_unanswered event")
    if "question_unanswered" in events:
        hours = DEFAULT_UNANSWERED_HOURS if hours is None else hours
        if not 1 <= hours <= MAX_UNANSWERED_HOURS:
            raise Invalid(f"unanswered_after_hours must be 1 to {MAX_UNANSWERED_HOURS}")
    ordered = tuple(e for e in EVENTS if e in events)
    return WebhookSpec(url=url, format=format, events=ordered, unanswered_after_hours=hours)


def host_of(url: str) -> tuple[str, int]:
    """``(host, port)`` of an http(s) URL; :class:`Invalid` for anything else."""
    if len(url) > MAX_URL_LENGTH:
        raise Invalid(f"url is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"url is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise Invalid("url must be an http:// or https:// URL")
    if not parts.hostname:
        raise Invalid("url has no host")
    if parts.username is not None or parts.password is not None:
        raise Invalid("url must not carry a user name or password")
    if parts.fragment:
        raise Invalid("url must not have a #fragment")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def why_refused(address: str) -> str | None:
    """Why a delivery may not reach ``address`` (loopback, link-local, private, multicast,
    unspecified, reserved, otherwise not public), or None for a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    # What no category above names but is still not the public internet: shared address space
    # (100.64.0.0/10, carrier-grade NAT and some clouds' internal networks), documentation ranges.
    return None if ip.is_global else "not-public"


def org_wide(where: Where, org_id: str) -> bool:
    """Whether a question at ``where`` may be told to ``org_id``'s channels (see the module)."""
    return where.visibility == "org" and where.org_id == org_id


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, the X-Peerlearn-Signature."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


@dataclass(frozen=True)
class Happening:
    """What happened, as a channel of the org may hear it."""

    event: str  # one of EVENTS
    org_id: str
    thread_id: str
    title: str
    link: str
    occurred_at: datetime
    person_name: str | None = None  # the asker, or the accepted answer's author
    tags: tuple[str, ...] = ()
    hours: int | None = None  # for question_unanswered


_HEADLINES = {
    "question_created": "New question",
    "question_unanswered": "Still unanswered",
    "answer_accepted": "Answer accepted",
}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(what: Happening) -> dict[str, Any]:
    """Slack incoming-webhook JSON (``text`` and blocks); Mattermost and Rocket.Chat take it too."""
    headline = _HEADLINES[what.event]
    if what.event == "question_unanswered" and what.hours:
        headline = f"Unanswered for {what.hours} h"
    title = _slack_escape(what.title)
    context = []
    if what.person_name:
        verb = "answered by" if what.event == "answer_accepted" else "asked by"
        context.append(f"{verb} {_slack_escape(what.person_name)}")
    if what.tags:
        context.append(" ".join(f"`{_slack_escape(t)}`" for t in what.tags))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}:* <{what.link}|{title}>"}}
    ]
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
    return {"text": f"{headline}: {what.title} {what.link}", "blocks": blocks}


def json_body(delivery_id: str, what: Happening) -> dict[str, Any]:
    """The body of a ``json`` webhook: the event, its thread, its time."""
    body: dict[str, Any] = {
        "id": delivery_id,
        "event": what.event,
        "org_id": what.org_id,
        "occurred_at": what.occurred_at.isoformat(),
        "thread": {"id": what.thread_id, "title": what.title, "url": what.link, "tags": list(what.tags)},
    }
    if what.person_name:
        body["answered_by" if what.event == "answer_accepted" else "asked_by"] = what.person_name
    if what.hours is not None:
        body["unanswered_after_hours"] = what.hours
    return body


def body_for(format: str, delivery_id: str, what: Happening) -> str:
    """The exact text posted (kept with the delivery, so every retry posts the same bytes)."""
    payload = slack_body(what) if format == "slack" else json_body(delivery_id, what)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


TEST_EVENT = "test"


def test_body(format: str, delivery_id: str, org_id: str, at: datetime, settings_link: str) -> str:
    """What an admin's "send a test" posts: says it is a test, changes nothing at the receiver."""
    text = f"peerlearn test: this channel will hear your organisation's questions ({settings_link})"
    if format == "slack":
        payload: dict[str, Any] = {"text": text}
    else:
        payload = {"id": delivery_id, "event": TEST_EVENT, "org_id": org_id, "occurred_at": at.isoformat()}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
