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

A request with an ``Idempotency-Key`` runs inside a :class:`KeyedWrite` scope (set by
:mod:`peerlearn.idempotency`): its first write transaction is not committed when the block ends
but handed to the scope, later transactions of the request join it, and the middleware commits
it together with the stored answer, so that the state, its events and the answer a retry gets
are one commit — a crash at any point leaves all three or none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar

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


class KeyedWrite:
    """The scope of one request with an ``Idempotency-Key``: holds its write transaction open.

    The idempotency middleware opens it around the request and then calls :meth:`finish` (commit
    with the answer) or :meth:`abandon` (roll back); see the module docstring.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.session: AsyncSession | None = None
        # The writer's turn (SQLite) is held from the first write until finish or abandon.
        self.turn = AsyncExitStack()

    @property
    def wrote(self) -> bool:
        return self.session is not None

    async def finish(self) -> None:
        """Commit the request's write transaction (with whatever the middleware added to it)."""
        session, self.session = self.session, None
        try:
            if session is not None:
                try:
                    await session.commit()
                finally:
                    await session.close()
        finally:
            await self.turn.aclose()  # nothing held twice: closing an empty stack is a no-op

    async def abandon(self) -> None:
        """Roll the request's write transaction back (the request failed after writing)."""
        session, self.session = self.session, None
        try:
            if session is not None:
                try:
                    await session.rollback()
                finally:
                    await session.close()
        finally:
            await self.turn.aclose()


_keyed: ContextVar[KeyedWrite | None] = ContextVar("peerlearn_keyed_write", default=None)


@asynccontextmanager
async def keyed_write(database: Database) -> AsyncIterator[KeyedWrite]:
    """Run the request inside a :class:`KeyedWrite` scope (the idempotency middleware does)."""
    scope = KeyedWrite(database)
    token = _keyed.set(scope)
    try:
        yield scope
    finally:
        _keyed.reset(token)
        await scope.abandon()  # nothing left open, whatever happened


class UnitOfWork:
    """Opens transactions on one service's database; one per process, shared by all requests."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[Transaction]:
        """A transaction that may write: committed when the block ends, rolled back if it raises.

        Inside a keyed request the commit is the middleware's (see the module docstring).
        """
        scope = _keyed.get()
        if scope is None or scope.database is not self.database:
            async with self.database.transaction() as session:
                yield Transaction(session, writable=True)
            return
        if scope.session is not None:
            # A later transaction of the same request joins the first, in a savepoint so that a
            # failure rolls back only its own part, as a transaction of its own would.
            async with scope.session.begin_nested():
                yield Transaction(scope.session, writable=True)
            return
        await scope.turn.enter_async_context(self.database.writer_turn())
        opened: AsyncSession | None = None
        try:
            opened = self.database.sessions()
            await opened.begin()
            yield Transaction(opened, writable=True)
        except BaseException:
            try:
                if opened is not None:
                    await opened.rollback()
            finally:
                try:
                    if opened is not None:
                        await opened.close()
                finally:
                    await scope.turn.aclose()
            raise
        scope.session = opened

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """A read-only transaction: on SQLite it begins deferred and never waits for a writer.

        Inside a keyed request that already wrote, it reads in that transaction (its own writes).
        """
        scope = _keyed.get()
        if scope is not None and scope.database is self.database and scope.session is not None:
            yield Transaction(scope.session, writable=False)
            return
        async with self.database.reading() as session:
            yield Transaction(session, writable=False)
