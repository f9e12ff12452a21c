"""Notify's metrics, beside the kit's (peerlearn.metrics): what waits to be mailed or posted to a
chat webhook, what was given up on, and how long the oldest waiting item has waited — the figure
an operator is paged on when the SMTP relay or a chat service stops taking deliveries.

Read from the outboxes at scrape: right after a restart, and the same on every replica."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from litestar import Litestar
from prometheus_client import Gauge

from peerlearn_notify.adapters.tables import mail_outbox
from peerlearn_notify.adapters.webhook_tables import webhook_deliveries

WAITING = Gauge(
    "peerlearn_notify_waiting", "Mails and webhook posts not yet delivered nor given up on", ["channel"]
)
FAILED = Gauge(
    "peerlearn_notify_failed", "Mails and webhook posts given up on (their last error is kept)", ["channel"]
)
OLDEST_WAITING = Gauge(
    "peerlearn_notify_oldest_waiting_seconds",
    "How long the oldest undelivered mail or webhook post has waited (0 when none waits)",
    ["channel"],
)

_DONE = {"mail": mail_outbox.c.sent_at, "webhook": webhook_deliveries.c.delivered_at}


async def deliveries(app: Litestar) -> None:
    """Scrape hook: the mail outbox and the webhook deliveries, by state."""
    now = datetime.now(UTC)
    async with app.state.database.reading() as session:
        for channel, table in (("mail", mail_outbox), ("webhook", webhook_deliveries)):
            done, failed = _DONE[channel], table.c.failed_at
            waiting = sa.and_(done.is_(None), failed.is_(None))
            count, oldest = (
                await session.execute(
                    sa.select(sa.func.count(), sa.func.min(table.c.created_at)).where(waiting)
                )
            ).one()
            # done IS NULL first: both questions are answered from the outbox's due index.
            given_up = await session.scalar(
                sa.select(sa.func.count()).where(sa.and_(done.is_(None), failed.is_not(None)))
            )
            WAITING.labels(channel).set(count)
            FAILED.labels(channel).set(given_up or 0)
            OLDEST_WAITING.labels(channel).set((now - _utc(oldest)).total_seconds() if oldest else 0)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
