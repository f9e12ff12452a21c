"""Applying each event exactly once: processed-event tracking owned by the library.

A consuming service lists its handlers as data, ``{subject: handler}``; each handler receives
the open :class:`~peerlearn.unit_of_work.Transaction` and the event, and nothing else (its
other dependencies are bound by the composition root, e.g. with ``functools.partial``).
:func:`apply_once` runs the handler in one transaction together with a row in the service's
``processed_events`` table, so a redelivered event changes nothing and a crash between the
handler and the ack re-applies nothing (the eventsourcing library's "processed event
tracking" is the model). :func:`consumers_for` makes the durable consumers that feed it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.store import UTCDateTime
from peerlearn.unit_of_work import Transaction, UnitOfWork

log = logging.getLogger("peerlearn.consuming")

Apply = Callable[[Transaction, events.Event], Awaitable[None]]
Handlers = Mapping[str, Apply]


def processed_events_table(metadata: sa.MetaData) -> sa.Table:
    """The table of events a service has applied; part of that service's own metadata."""
    return sa.Table(
        "processed_events",
        metadata,
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("processed_at", UTCDateTime, nullable=False),
    )


async def claim(session: AsyncSession, table: sa.Table, event_id: str) -> bool:
    """Mark ``event_id`` applied in this transaction; False when it already was.

    One ``INSERT … ON CONFLICT DO NOTHING``: two deliveries racing on two replicas cannot
    both claim it (the second waits on the first's row lock, then finds it).
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(event_id=event_id, processed_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


class Selective:
    """A handler that only some events of its subject concern, with the test that says which.

    An event the test turns down is acknowledged without a transaction or a processed-event
    row: a write per event the handler would ignore (notify skips the matcher's answerer-only
    suggestion lists, five per routed question) queued the consumer behind nothing. The test
    must read the event alone, so a redelivery decides the same.
    """

    def __init__(self, wants: Callable[[events.Event], bool], apply: Apply) -> None:
        self.wants = wants
        self.apply = apply

    async def __call__(self, tx: Transaction, event: events.Event) -> None:
        await self.apply(tx, event)


async def apply_once(uow: UnitOfWork, table: sa.Table, handlers: Handlers, event: events.Event) -> bool:
    """Apply ``event`` with its handler exactly once; False when applied before or not handled here."""
    handler = handlers.get(event.type)
    if handler is None or (isinstance(handler, Selective) and not handler.wants(event)):
        return False
    async with uow.writing() as tx:
        if not await claim(tx.session, table, event.id):
            log.debug("event %s (%s) already applied", event.id, event.type)
            return False
        await handler(tx, event)
    return True


def consumers_for(
    bus: Bus,
    uow: UnitOfWork,
    table: sa.Table,
    handlers: Handlers,
    *,
    service: str,
    streams: Sequence[str],
    max_deliver: int = 5,
    whole_streams: bool = False,
) -> list[Consumer]:
    """One durable consumer ``<service>-<stream>`` per stream, filtered to the subjects handled.

    A subject of a stream no handler names is never delivered, so adding a handler is the one
    change that makes a service consume a new event. ``whole_streams`` keeps a consumer on every
    subject of its stream (those not handled are acknowledged and skipped), for a durable
    created before filters were used.
    """

    async def handle(event: events.Event) -> None:
        await apply_once(uow, table, handlers, event)

    out = []
    for stream in streams:
        prefixes = tuple(pattern.rstrip(">") for pattern in events.STREAMS[stream])
        subjects = sorted(
            pattern
            for subject in handlers
            if subject.startswith(prefixes)
            for pattern in events.subject_filters(subject)
        )
        if not subjects:
            raise ValueError(f"no handler of {service} consumes anything of stream {stream}")
        out.append(
            Consumer(
                bus,
                stream=stream,
                durable=f"{service}-{stream.lower()}",
                handler=handle,
                subjects=() if whole_streams else subjects,
                max_deliver=max_deliver,
            )
        )
    return out
