"""The unit of work: one transaction, with the outbox inside it, the same in every service.

A use case or an event handler receives a :class:`UnitOfWork` and opens a transaction from it::

    async with uow.writing() as tx:      # committed when the block ends, rolled back on error
        await store.add_post(tx.session, ...)
        await tx.record(events.make_event(...))   # sent after the commit, never without it

    async with uow.reading() as tx:      # read only: on SQLite it never queues behind writers
        return await store.thread(tx.session, thread_id)

Because the event goes into the outbox table of the same transaction as the state change, a
refused or crashed request leaves neither (cosmicpython's ``unit_of_work.py`` is the model;
ours adds the outbox). The service kit injects it into controllers as ``uow``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events, outbox
from peerlearn.store import Database


class ReadOnly(RuntimeError):
    """An event was recorded in a read-only transaction: a programming error, never the caller's."""


class Transaction:
    """One open transaction of a unit of work: its session, and the outbox of that transaction."""

    def __init__(self, session: AsyncSession, *, writable: bool) -> None:
        self.session = session
        self.writable = writable

    async def record(self, event: events.Event) -> None:
        """Put ``event`` in this transaction's outbox; it is published only if the transaction commits."""
        if not self.writable:
            raise ReadOnly(f"{event.type} recorded in a read-only transaction")
        await outbox.record(self.session, event)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this transaction has committed (never when it rolls back).

        For state kept beside the database (an in-memory index, say) that must change only
        with the data it mirrors.
        """

        @sa.event.listens_for(self.session.sync_session, "after_commit", once=True)
        def _committed(_session: object) -> None:
            callback()


class UnitOfWork:
    """Opens transactions on one service's database; one per process, shared by all requests."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Transaction]:
        """A transaction that may write: committed when the block ends, rolled back if it raises."""
        async with self.database.transaction() as session:
            yield Transaction(session, writable=True)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """A read-only transaction: on SQLite it begins deferred and never waits for a writer."""
        async with self.database.reading() as session:
            yield Transaction(session, writable=False)
