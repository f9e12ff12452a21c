"""The refresh backlog, stored: whose suggestions to recompute in the background.

A change that touches many people's lists indirectly (a cohort renamed, a mentor's capacity, a
circle that moved) refreshes them later, in batches, so one event does not hold the replicas'
turn for seconds. Kept only in memory, that queue died with its replica: those people kept a
list computed from what was true before the change until something else touched them. So the
people are queued here, in the change's own transaction (committed with it, or not at all), and
a batch is taken from here in the transaction that refreshes it (deleted with its refresh, or
put back by the rollback). Any replica may take any batch: the replicas' turn, which that
transaction holds, keeps two from taking the same one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_matcher.adapters import tables as m


async def queue(session: AsyncSession, people: Iterable[str], at: datetime) -> None:
    """Queue ``people`` for a refresh (one already queued keeps its place)."""
    rows = [{"person_id": p, "queued_at": at} for p in sorted(set(people))]
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(m.refresh_backlog).on_conflict_do_nothing(index_elements=["person_id"]), rows
    )


async def queued(session: AsyncSession) -> int:
    """How many people wait for a refresh."""
    return int(await session.scalar(sa.select(sa.func.count()).select_from(m.refresh_backlog)) or 0)


async def take(session: AsyncSession, batch: int) -> list[str]:
    """The ``batch`` people queued longest, removed from the queue in this transaction."""
    table = m.refresh_backlog
    chosen = list(
        await session.scalars(
            sa.select(table.c.person_id).order_by(table.c.queued_at, table.c.person_id).limit(batch)
        )
    )
    if chosen:
        await session.execute(sa.delete(table).where(table.c.person_id.in_(chosen)))
    return chosen
