"""``/v1/orgs/{org_id}/webhooks``: make, list and delete an org's webhooks, and the deliveries of
one (org admins and the platform admin; others 404). Thin: parse, call a use case, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_202_ACCEPTED

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.webhook_http import AddressGuard
from peerlearn_notify.adapters.webhook_secrets import SecretBox
from peerlearn_notify.usecases import webhook_admin, webhooks

EventName = Literal["question_created", "question_unanswered", "answer_accepted"]
Cursor = Annotated[str | None, Parameter(pattern="^[0-9a-f]{28}$", required=False)]


class WebhookIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new webhook: where to post, in which format, about what."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    format: Literal["slack", "json"]
    events: Annotated[list[EventName], msgspec.Meta(min_length=1, max_length=3)]
    unanswered_after_hours: Annotated[int, msgspec.Meta(ge=1, le=720)] | None = None


class Webhook(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    org_id: str
    url: str
    format: str
    events: list[str]
    unanswered_after_hours: int | None = None
    created_at: datetime
    enabled: bool
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


class WebhookCreated(Webhook, frozen=True, kw_only=True):
    """The new webhook; ``secret`` (json webhooks) is shown this once and never again."""

    secret: str | None = None


class WebhookChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``{"enabled": false}`` disables a webhook; ``true`` enables it again."""

    enabled: bool


class Webhooks(msgspec.Struct, frozen=True, kw_only=True):
    org_id: str
    items: list[Webhook]


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    attempt: int
    at: datetime
    status_code: int | None = None
    error: str | None = None


class WebhookDelivery(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    event: str
    created_at: datetime
    status: Literal["pending", "delivered", "failed"]
    attempts: list[Attempt]
    next_attempt_at: datetime | None = None
    last_error: str | None = None


class Deliveries(msgspec.Struct, frozen=True, kw_only=True):
    webhook_id: str
    items: list[WebhookDelivery]
    next_cursor: str | None


def _fields(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "org_id": row.org_id,
        "url": row.url,
        "format": row.format,
        "events": list(row.events),
        "unanswered_after_hours": row.unanswered_after_hours,
        "created_at": row.created_at,
        "enabled": row.disabled_at is None,
        "disabled_at": row.disabled_at,
        "disabled_reason": row.disabled_reason,
    }


def _delivery(row: Any, attempts: list[Any]) -> WebhookDelivery:
    status: Literal["pending", "delivered", "failed"] = (
        "delivered" if row.delivered_at else "failed" if row.failed_at else "pending"
    )
    return WebhookDelivery(
        id=row.id,
        event=row.event,
        created_at=row.created_at,
        status=status,
        attempts=[
            Attempt(attempt=a.attempt, at=a.at, status_code=a.status_code, error=a.error) for a in attempts
        ],
        next_attempt_at=row.next_attempt_at if status == "pending" else None,
        last_error=row.last_error,
    )


class WebhookController(Controller):
    path = "/v1/orgs/{org_id:str}/webhooks"
    tags = ["webhooks"]

    @get("/", summary="The org's webhooks, without their secrets (org admins; others 404)")
    async def list(self, uow: UnitOfWork, principal: Principal | None, org_id: str) -> Webhooks:
        rows = await webhooks.list_webhooks(uow, principal, org_id)
        return Webhooks(org_id=org_id, items=[Webhook(**_fields(row)) for row in rows])

    @post(
        "/",
        summary="Make a webhook: {url, format: slack|json, events, unanswered_after_hours?}; "
        "a json webhook's secret is in this answer only. URLs resolving to non-public addresses: 400",
    )
    async def create(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        webhook_guard: AddressGuard,
        webhook_secrets: SecretBox,
        org_id: str,
        data: WebhookIn,
    ) -> WebhookCreated:
        made = await webhooks.create_webhook(
            uow,
            principal,
            webhook_guard,
            webhook_secrets,
            org_id,
            url=data.url,
            format=data.format,
            events=list(data.events),
            unanswered_after_hours=data.unanswered_after_hours,
        )
        return WebhookCreated(**_fields(made.row), secret=made.secret)

    @patch("/{webhook_id:str}", summary="Disable ({enabled: false}) or enable again ({enabled: true})")
    async def change(
        self, uow: UnitOfWork, principal: Principal | None, org_id: str, webhook_id: str, data: WebhookChange
    ) -> Webhook:
        row = await webhook_admin.set_enabled(uow, principal, org_id, webhook_id, data.enabled)
        return Webhook(**_fields(row))

    @post(
        "/{webhook_id:str}/test",
        status_code=HTTP_202_ACCEPTED,
        summary="Queue a test delivery now (event `test`); 409 when the webhook is disabled",
    )
    async def test(
        self, uow: UnitOfWork, principal: Principal | None, org_id: str, webhook_id: str, public_url: str
    ) -> WebhookDelivery:
        link = f"{public_url.rstrip('/')}/admin/webhooks"
        row = await webhook_admin.send_test(uow, principal, org_id, webhook_id, link)
        return _delivery(row, [])

    @delete("/{webhook_id:str}", summary="Delete a webhook with its deliveries")
    async def remove(
        self, uow: UnitOfWork, principal: Principal | None, org_id: str, webhook_id: str
    ) -> None:
        await webhooks.delete_webhook(uow, principal, org_id, webhook_id)

    @get("/{webhook_id:str}/deliveries", summary="A webhook's deliveries, newest first, with every attempt")
    async def deliveries(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        org_id: str,
        webhook_id: str,
        cursor: Cursor = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> Deliveries:
        page = await webhooks.list_deliveries(uow, principal, org_id, webhook_id, cursor=cursor, limit=limit)
        return Deliveries(
            webhook_id=webhook_id,
            items=[_delivery(row, page.attempts.get(row.id, [])) for row in page.items],
            next_cursor=page.next_cursor,
        )
