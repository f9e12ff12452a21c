"""What an org's admins do to a webhook after making it: send a test delivery now, disable it,
and enable it again (a webhook notify disabled after failing included). Only the org's admins
and the platform admin; for anyone else the webhook does not exist (404)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.errors import Conflict, NotFound
from peerlearn.events import new_id
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_notify.adapters import webhook_store
from peerlearn_notify.adapters.webhook_tables import webhook_deliveries, webhooks
from peerlearn_notify.domain.webhooks import TEST_EVENT, test_body
from peerlearn_notify.usecases.webhooks import org_admin


async def _webhook(tx: Transaction, principal: Principal | None, org_id: str, webhook_id: str) -> Any:
    await org_admin(tx, principal, org_id)
    found = await webhook_store.webhook(tx.session, org_id, webhook_id)
    if found is None:
        raise NotFound(f"no webhook {webhook_id}")
    return found


async def send_test(
    uow: UnitOfWork, principal: Principal | None, org_id: str, webhook_id: str, settings_link: str
) -> Any:
    """Queue a test delivery, posted by the sender like any other (its status shows among the
    deliveries); 409 for a disabled webhook."""
    async with uow.writing() as tx:
        hook = await _webhook(tx, principal, org_id, webhook_id)
        if hook.disabled_at is not None:
            raise Conflict("the webhook is disabled; enable it before sending a test")
        now = datetime.now(UTC)
        delivery_id = new_id()
        await webhook_store.enqueue(
            tx.session,
            {
                "id": delivery_id,
                "webhook_id": webhook_id,
                "event": TEST_EVENT,
                "event_key": f"{TEST_EVENT}:{delivery_id}",
                "body": test_body(hook.format, delivery_id, org_id, now, settings_link),
                "created_at": now,
                "next_attempt_at": now,
            },
        )
        query = sa.select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        return (await tx.session.execute(query)).one()


async def set_enabled(
    uow: UnitOfWork, principal: Principal | None, org_id: str, webhook_id: str, enabled: bool
) -> Any:
    """Disable the webhook (its waiting deliveries are given up), or enable it with a clean
    slate of failures; the webhook as it is now."""
    async with uow.writing() as tx:
        hook = await _webhook(tx, principal, org_id, webhook_id)
        if not enabled:
            await webhook_store.disable(tx.session, webhook_id, datetime.now(UTC), "disabled by an admin")
        elif hook.disabled_at is not None:
            await tx.session.execute(
                sa.update(webhooks)
                .where(webhooks.c.id == webhook_id)
                .values(disabled_at=None, disabled_reason=None, consecutive_failures=0)
            )
        return await webhook_store.webhook(tx.session, org_id, webhook_id)
