"""An org's webhooks through the API: make one (its secret shown once), list, delete, and the
deliveries of one. Only the org's admins and the platform admin; for anyone else the org's
webhooks do not exist (404), and without a credential 401."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import Conflict, NotFound, Unauthenticated
from peerlearn.events import new_id
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_notify.adapters import webhook_store
from peerlearn_notify.adapters.tables import DIRECTORY, directory
from peerlearn_notify.adapters.webhook_secrets import SecretBox
from peerlearn_notify.domain.webhooks import webhook_spec

MAX_WEBHOOKS_PER_ORG = 20


class Guard(Protocol):
    async def check(self, url: str) -> None:
        """Raise :class:`~peerlearn.errors.Invalid` when ``url`` may not be a webhook."""
        ...


async def org_admin(tx: Transaction, principal: Principal | None, org_id: str) -> Caller:
    """The caller when they administer ``org_id`` (an org admin of it, or the platform admin, for
    an org the directory knows); :class:`NotFound` for anyone else, :class:`Unauthenticated`
    without a credential or for an erased person."""
    if principal is None:
        raise Unauthenticated("sign in to manage webhooks")
    caller = await DIRECTORY.caller_for(tx.session, principal)
    if not caller.platform_admin and caller.person_id is None:
        raise Unauthenticated("this account no longer exists")
    if not caller.administers_org(org_id):
        raise NotFound(f"no organisation {org_id}")
    if caller.platform_admin:
        people = directory.people
        known = await tx.session.scalar(sa.select(people.c.id).where(people.c.org_id == org_id).limit(1))
        if known is None:
            raise NotFound(f"no organisation {org_id}")
    return caller


@dataclass(frozen=True)
class Created:
    """A new webhook and, for a json one, its secret (shown this once)."""

    row: Any
    secret: str | None


async def create_webhook(
    uow: UnitOfWork,
    principal: Principal | None,
    guard: Guard,
    box: SecretBox,
    org_id: str,
    *,
    url: str,
    format: str,
    events: list[str],
    unanswered_after_hours: int | None,
) -> Created:
    """Check and store a webhook (a json one's secret sealed by ``box``); the URL's host must
    resolve to public addresses only."""
    async with uow.reading() as tx:
        await org_admin(tx, principal, org_id)
    spec = webhook_spec(url, format, events, unanswered_after_hours)
    await guard.check(spec.url)  # outside a transaction: resolving may take seconds
    secret = secrets.token_hex(32) if spec.format == "json" else None
    async with uow.writing() as tx:
        caller = await org_admin(tx, principal, org_id)
        if len(await webhook_store.webhooks_of(tx.session, org_id)) >= MAX_WEBHOOKS_PER_ORG:
            raise Conflict(f"an organisation has at most {MAX_WEBHOOKS_PER_ORG} webhooks; delete one first")
        webhook_id = new_id()
        await webhook_store.add_webhook(
            tx.session,
            {
                "id": webhook_id,
                "org_id": org_id,
                "url": spec.url,
                "format": spec.format,
                "events": list(spec.events),
                "unanswered_after_hours": spec.unanswered_after_hours,
                "secret": box.seal(webhook_id, secret) if secret else None,
                "created_by": caller.person_id,
                "created_at": datetime.now(UTC),
                "consecutive_failures": 0,
            },
        )
        row = await webhook_store.webhook(tx.session, org_id, webhook_id)
    return Created(row=row, secret=secret)


async def list_webhooks(uow: UnitOfWork, principal: Principal | None, org_id: str) -> Sequence[Any]:
    """The org's webhooks (never their secrets)."""
    async with uow.reading() as tx:
        await org_admin(tx, principal, org_id)
        return await webhook_store.webhooks_of(tx.session, org_id)


async def delete_webhook(uow: UnitOfWork, principal: Principal | None, org_id: str, webhook_id: str) -> None:
    """Delete a webhook, its waiting deliveries and its history."""
    async with uow.writing() as tx:
        await org_admin(tx, principal, org_id)
        if await webhook_store.webhook(tx.session, org_id, webhook_id) is None:
            raise NotFound(f"no webhook {webhook_id}")
        await webhook_store.remove_webhook(tx.session, webhook_id)


@dataclass(frozen=True)
class DeliveryPage:
    """Deliveries of one webhook, newest first, with their attempts."""

    items: Sequence[Any]
    attempts: dict[str, list[Any]]
    next_cursor: str | None


async def list_deliveries(
    uow: UnitOfWork,
    principal: Principal | None,
    org_id: str,
    webhook_id: str,
    *,
    cursor: str | None,
    limit: int,
) -> DeliveryPage:
    """A page of the webhook's deliveries older than ``cursor``."""
    async with uow.reading() as tx:
        await org_admin(tx, principal, org_id)
        if await webhook_store.webhook(tx.session, org_id, webhook_id) is None:
            raise NotFound(f"no webhook {webhook_id}")
        rows, attempts = await webhook_store.deliveries_page(tx.session, webhook_id, cursor, limit + 1)
    shown = rows[:limit]
    more = len(rows) > limit
    return DeliveryPage(items=shown, attempts=attempts, next_cursor=shown[-1].id if more else None)
