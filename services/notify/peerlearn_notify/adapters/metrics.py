"""Notify's metrics, beside the kit's (peerlearn.metrics): what waits to be mailed or posted to a
chat webhook, what was given up on, and how long the oldest waiting item has waited — the figure
an operator is paged on when the SMTP relay or a chat service stops taking deliveries.

Read from the outboxes at scrape: right after a restart, and the same on every replica (their
times are UTCDateTime columns: aware on both engines)."""

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


async def deliveries(app: Litestar) -> None:
    """Scrape hook: the mail outbox and the webhook deliveries, by state."""
    now = datetime.now(UTC)
    async with app.state.database.reading() as session:
        for channel, table, done in (
            ("mail", mail_outbox, mail_outbox.c.sent_at),
            ("webhook", webhook_deliveries, webhook_deliveries.c.delivered_at),
        ):
            waiting = table.c.failed_at.is_(None)
            # One query per channel over the undelivered rows (done IS NULL: the due index's prefix).
            count, oldest, given_up = (
                await session.execute(
                    sa.select(
                        sa.func.count().filter(waiting),
                        sa.func.min(table.c.created_at).filter(waiting),
                        sa.func.count().filter(table.c.failed_at.is_not(None)),
                    ).where(done.is_(None))
                )
            ).one()
            WAITING.labels(channel).set(count)
            FAILED.labels(channel).set(given_up or 0)
            OLDEST_WAITING.labels(channel).set((now - oldest).total_seconds() if oldest else 0)
