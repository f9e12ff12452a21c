"""Insights' metrics, beside the kit's (peerlearn.metrics): the xAPI statements waiting for an LRS
and those an LRS refused for good — read from the statement outbox (its status index) at scrape."""

from __future__ import annotations

import sqlalchemy as sa
from litestar import Litestar
from prometheus_client import Gauge

from peerlearn_insights.adapters.statement_outbox import FAILED, PENDING, statement_outbox

STATEMENTS = Gauge(
    "peerlearn_insights_statements",
    "xAPI statements by state: pending (waiting for their LRS, retried with back-off) or failed "
    "(refused for good; the org's LRS settings show the LRS's answer)",
    ["state"],
)


async def statements(app: Litestar) -> None:
    """Scrape hook: the statement outbox's pending and failed rows."""
    async with app.state.database.reading() as session:
        for state in (PENDING, FAILED):
            count = await session.scalar(
                sa.select(sa.func.count())
                .select_from(statement_outbox)
                .where(statement_outbox.c.status == state)
            )
            STATEMENTS.labels(state).set(count or 0)
