"""An org's chat and JSON webhooks, as its admins manage them in the web app: the list with each
one's last deliveries, adding one (a test delivery is sent at once), a test on demand, disabling,
enabling again and deleting. notify keeps them and decides who may (its 404 is the page's)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid

EVENTS = {
    "question_created": "a new question",
    "question_unanswered": "a question still unanswered",
    "answer_accepted": "an accepted answer",
}
LAST_DELIVERIES = 5


class WebhookForm(msgspec.Struct, kw_only=True):
    """The add-a-webhook form."""

    url: str = ""
    format: str = "slack"
    events: list[str] = msgspec.field(default_factory=lambda: ["question_created"])
    unanswered_after_hours: str = ""


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    event: str
    created_at: datetime
    status: str
    status_code: int | None
    error: str | None


class Hook(msgspec.Struct, frozen=True, kw_only=True):
    """One webhook as the page shows it: where (the host, and the address's end only: a Slack
    URL is itself the credential), what it hears, whether it is on, its last deliveries."""

    id: str
    where: str
    format: str
    events: tuple[str, ...]
    enabled: bool
    disabled_reason: str | None
    deliveries: tuple[Delivery, ...]


def shown_address(url: str) -> str:
    """``https://hooks.slack.com/…Xy12``: enough to tell webhooks apart, not enough to post to one."""
    parts = urlsplit(url)
    rest = (parts.path + ("?" + parts.query if parts.query else "")).rstrip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/…{rest[-4:]}" if len(rest) > 1 else "")


def _delivery(found: dict[str, Any]) -> Delivery:
    last = found["attempts"][-1] if found["attempts"] else {}
    return Delivery(
        event=found["event"],
        created_at=datetime.fromisoformat(found["created_at"]),
        status=found["status"],
        status_code=last.get("status_code"),
        error=found.get("last_error") or last.get("error"),
    )


async def hooks_of(ups: Upstreams, caller: Caller) -> list[Hook]:
    """The caller's org's webhooks, each with its last deliveries (newest first)."""
    notify = ups.required("notify")
    base = f"/v1/orgs/{caller.org_id}/webhooks"
    found = await notify.call("GET", base, token=caller.token)
    # Each webhook's last deliveries side by side: one wait, not one per webhook.
    pages = await asyncio.gather(
        *(
            notify.call(
                "GET",
                f"{base}/{item['id']}/deliveries",
                token=caller.token,
                params={"limit": LAST_DELIVERIES},
            )
            for item in found["items"]
        )
    )
    hooks = []
    for item, page in zip(found["items"], pages, strict=True):
        hooks.append(
            Hook(
                id=item["id"],
                where=shown_address(item["url"]),
                format=item["format"],
                events=tuple(EVENTS.get(e, e) for e in item["events"]),
                enabled=item["enabled"],
                disabled_reason=item.get("disabled_reason"),
                deliveries=tuple(_delivery(d) for d in page["items"]),
            )
        )
    return hooks


async def add(ups: Upstreams, caller: Caller, form: WebhookForm) -> str | None:
    """Make the webhook and send it a test; its secret (json webhooks: shown this once) or None."""
    if not form.events:
        raise FormInvalid({"events": "choose at least one thing to hear about"})
    body: dict[str, Any] = {"url": form.url.strip(), "format": form.format, "events": form.events}
    if form.unanswered_after_hours.strip():
        if not form.unanswered_after_hours.strip().isdigit():
            raise FormInvalid({"unanswered_after_hours": "a whole number of hours, 1 to 720"})
        body["unanswered_after_hours"] = int(form.unanswered_after_hours)
    notify = ups.required("notify")
    base = f"/v1/orgs/{caller.org_id}/webhooks"
    made = await notify.call("POST", base, token=caller.token, json=body)
    await notify.call("POST", f"{base}/{made['id']}/test", token=caller.token)
    secret: str | None = made.get("secret")
    return secret


async def act(ups: Upstreams, caller: Caller, webhook_id: str, action: str) -> None:
    """``test``, ``disable``, ``enable`` or ``delete`` one of the org's webhooks."""
    notify = ups.required("notify")
    path = f"/v1/orgs/{caller.org_id}/webhooks/{webhook_id}"
    if action == "test":
        await notify.call("POST", f"{path}/test", token=caller.token)
    elif action in ("disable", "enable"):
        await notify.call("PATCH", path, token=caller.token, json={"enabled": action == "enable"})
    elif action == "delete":
        await notify.call("DELETE", path, token=caller.token)
    else:
        raise FormInvalid({"": f"unknown action {action!r}"})
