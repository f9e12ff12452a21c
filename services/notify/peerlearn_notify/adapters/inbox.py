"""The inbox table: adding a notification once, pages of a person's notifications, marking read;
and when each person last looked at it (:class:`LastSeen`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from litestar.stores.base import Store
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_notify.adapters.tables import mail_outbox, notifications


async def add_all(session: AsyncSession, rows: list[dict[str, Any]]) -> set[str]:
    """Insert each notification unless its person has one with its ``dedupe_key`` (one
    statement); the people whose notification was added."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(notifications)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["person_id", "dedupe_key"])
        .returning(notifications.c.person_id)
    )
    return set(await session.scalars(statement))


async def page(
    session: AsyncSession, person_id: str, *, unread: bool, before: str | None, limit: int
) -> Sequence[Any]:
    """Up to ``limit`` notifications, newest first, older than the cursor id ``before``."""
    query = sa.select(notifications).where(notifications.c.person_id == person_id)
    if unread:
        query = query.where(notifications.c.read_at.is_(None))
    if before:
        query = query.where(notifications.c.id < before)
    rows = await session.execute(query.order_by(notifications.c.id.desc()).limit(limit))
    return rows.all()


async def newer_than(session: AsyncSession, person_id: str, after: str) -> Sequence[Any]:
    """The person's notifications added after the id ``after``, oldest first (for the stream)."""
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.person_id == person_id, notifications.c.id > after)
        .order_by(notifications.c.id)
        .limit(100)
    )
    return rows.all()


async def newest_id(session: AsyncSession, person_id: str) -> str:
    """The id of the person's newest notification ("" when none)."""
    found = await session.scalar(
        sa.select(sa.func.max(notifications.c.id)).where(notifications.c.person_id == person_id)
    )
    return str(found or "")


async def unread_count(session: AsyncSession, person_id: str) -> int:
    """How many of the person's notifications are unread."""
    count = await session.scalar(
        sa.select(sa.func.count())
        .select_from(notifications)
        .where(notifications.c.person_id == person_id, notifications.c.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(session: AsyncSession, person_id: str, ids: list[str] | None, at: datetime) -> int:
    """Mark the given notifications (all when ``ids`` is None) of the person read; how many changed."""
    statement = sa.update(notifications).where(
        notifications.c.person_id == person_id, notifications.c.read_at.is_(None)
    )
    if ids is not None:
        statement = statement.where(notifications.c.id.in_(ids))
    # What was waiting for a digest and is read now has reached its reader: no digest repeats it.
    waiting = sa.case((notifications.c.mail.in_(("daily", "weekly")), "read"), else_=notifications.c.mail)
    result = await session.execute(statement.values(read_at=at, mail=waiting))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def immediate_mails_since_each(session: AsyncSession, since: dict[str, datetime]) -> dict[str, int]:
    """Immediate mails scheduled for each person since their own ``since`` (the daily cap
    counts them), in one query for them all."""
    rows = await session.execute(
        sa.select(mail_outbox.c.person_id, mail_outbox.c.created_at).where(
            mail_outbox.c.person_id.in_(sorted(since)),
            mail_outbox.c.purpose == "immediate",
            mail_outbox.c.created_at >= min(since.values()),
        )
    )
    counts: dict[str, int] = {}
    for row in rows:
        if row.created_at >= since[row.person_id]:
            counts[row.person_id] = counts.get(row.person_id, 0) + 1
    return counts


class LastSeen:
    """When each person last read their inbox through the API (the web app does on every page,
    for its unread count, and while its live stream is open): a key per person in the shared
    store (memory or Redis) that expires after the activity window, so nothing is migrated and
    nothing needs cleaning up."""

    def __init__(self, store: Store, window: timedelta) -> None:
        self.store = store
        self.window = window

    async def saw(self, person_id: str) -> None:
        """The person looked at their inbox just now."""
        await self.store.set(f"seen:{person_id}", b"1", expires_in=max(1, int(self.window.total_seconds())))

    async def active(self, person_id: str) -> bool:
        """Whether the person looked at their inbox within the window."""
        return await self.store.exists(f"seen:{person_id}")
