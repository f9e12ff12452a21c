"""The transactional outbox: events are written with the state change, then relayed.

A service calls :func:`record` inside the transaction that changes its state, so the
event exists if and only if the change committed. :class:`OutboxRelay` publishes pending
rows in order and marks them sent only after JetStream acknowledged them. A relay that
dies between publish and mark re-publishes on restart; JetStream drops the duplicate by
its ``Nats-Msg-Id`` (the event id), so each event is delivered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.store import Database, UTCDateTime

log = logging.getLogger("peerlearn.outbox")

Publish = Callable[[str, bytes, str], Awaitable[object]]


def _outbox_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(40), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True, index=True),
    ]


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """The ``outbox`` table in a service's metadata (each service owns its own)."""
    return sa.Table("outbox", metadata, *_outbox_columns())


def create_outbox_table(op: object) -> None:
    """Create the outbox table from an Alembic migration (``op`` is ``alembic.op``)."""
    op.create_table("outbox", *_outbox_columns())  # type: ignore[attr-defined]


_OUTBOX = outbox_table(sa.MetaData())


async def record(session: AsyncSession, event: events.Event) -> None:
    """Add ``event`` to the outbox in ``session``'s transaction; it is sent after commit."""
    await session.execute(
        sa.insert(_OUTBOX).values(
            event_id=event.id,
            subject=events.subject_of(event),
            payload=events.encode(event),
            created_at=datetime.now(UTC),
        )
    )
    signal = session.info.get("outbox_signal")
    if signal is None:
        return

    @sa.event.listens_for(session.sync_session, "after_commit", once=True)
    def _wake(_session: object) -> None:
        signal.set()


class OutboxRelay:
    """Publishes pending outbox rows in order; one per service process."""

    def __init__(
        self,
        database: Database,
        publish: Publish,
        *,
        batch_size: int = 200,
        poll_interval: float = 0.5,
        max_backoff: float = 5.0,
        keep_sent: timedelta = timedelta(days=1),
    ) -> None:
        self.database = database
        self.publish = publish
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.keep_sent = keep_sent
        self.wake = asyncio.Event()
        self._stopping = False

    def attach(self, session: AsyncSession) -> AsyncSession:
        """Let :func:`record` in ``session`` wake this relay right after commit."""
        session.info["outbox_signal"] = self.wake
        return session

    async def pending(self) -> int:
        """How many events wait to be published."""
        async with self.database.reading() as session:
            count = await session.scalar(
                sa.select(sa.func.count()).select_from(_OUTBOX).where(_OUTBOX.c.sent_at.is_(None))
            )
        return int(count or 0)

    async def relay_once(self) -> int:
        """Publish one batch in order; return how many were sent. Raises if publishing fails.

        No transaction is held while publishing: on SQLite that would hold the write lock
        and stall the service's writes for as long as NATS is unreachable. Replicas that
        relay the same row publish it twice; JetStream drops the second by its id.
        """
        # A deferred read: polling the outbox never takes SQLite's write lock.
        async with self.database.reading() as session:
            query = (
                sa.select(_OUTBOX.c.seq, _OUTBOX.c.event_id, _OUTBOX.c.subject, _OUTBOX.c.payload)
                .where(_OUTBOX.c.sent_at.is_(None))
                .order_by(_OUTBOX.c.seq)
                .limit(self.batch_size)
            )
            rows = (await session.execute(query)).all()
        sent: list[int] = []
        try:
            for row in rows:
                await self.publish(row.subject, row.payload, row.event_id)
                sent.append(row.seq)
        finally:
            # Mark what JetStream acknowledged even when a later publish failed.
            if sent:
                async with self.database.transaction() as session:
                    await session.execute(
                        sa.update(_OUTBOX).where(_OUTBOX.c.seq.in_(sent)).values(sent_at=datetime.now(UTC))
                    )
        return len(sent)

    async def prune(self) -> None:
        """Delete rows sent longer ago than ``keep_sent`` (past JetStream's dedupe window)."""
        cutoff = datetime.now(UTC) - self.keep_sent
        async with self.database.transaction() as session:
            await session.execute(sa.delete(_OUTBOX).where(_OUTBOX.c.sent_at < cutoff))

    async def drain(self, timeout: float = 5.0) -> None:
        """Publish what is pending, for a graceful shutdown; give up after ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                while await self.relay_once():
                    pass
        except Exception as exc:
            log.warning("outbox not drained at shutdown: %s", exc)

    async def run(self) -> None:
        """Relay until cancelled, backing off while JetStream is unreachable."""
        backoff = self.poll_interval
        passes = 0
        while True:
            try:
                sent = await self.relay_once()
                backoff = self.poll_interval
                passes += 1
                if passes % 1000 == 0:
                    await self.prune()
                if sent == self.batch_size:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep relaying once NATS is back
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc
                log.warning("outbox relay paused: %s", exc)
                backoff = min(backoff * 2, self.max_backoff)
                await asyncio.sleep(backoff)
                continue
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=backoff)
