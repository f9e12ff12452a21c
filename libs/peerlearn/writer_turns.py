"""Taking turns to write a SQLite file inside one process.

SQLite lets one connection at a time hold the write lock (``BEGIN IMMEDIATE``). A connection
that finds it taken waits in SQLite's busy handler, which sleeps and retries — after a few
tries 25, 50, then 100 ms at a time — and so loses to a writer that takes the lock again right
after committing. In a service that is an event consumer writing transaction after transaction
while another task (notify's mail sender marking each mail sent) tries to write between them:
measured here, the sender sent 45 mails/s alone and next to one busy consumer did not finish
300 mails in minutes. Writers of the same process therefore queue on an :class:`asyncio.Lock`
first (first come, first served, woken the moment the lock is free); SQLite's busy handler is
left for other processes writing the same file (a CLI command beside a running service).

A task that already holds its turn, or a task it started meanwhile (the holding is kept in a
context variable, which child tasks inherit), and opens another write transaction passes
through, as before the turns: SQLAlchemy begins lazily, so an outer transaction that has not
written yet holds no SQLite lock, and that case stays SQLite's to decide.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

# As long as SQLite's own busy timeout (store.create_engine): a turn never waited for longer.
WAIT_SECONDS = 30.0


class WriterWaitedTooLong(RuntimeError):
    """This process's other writers held the database for longer than ``WAIT_SECONDS``."""


# The turns (by id) the running task, or the task that started it, holds.
_held: ContextVar[frozenset[int]] = ContextVar("peerlearn_writer_turns_held", default=frozenset())


class WriterTurns:
    """One queue of writers per event loop (tests run several loops over one database)."""

    def __init__(self, wait_seconds: float = WAIT_SECONDS) -> None:
        self.wait_seconds = wait_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold this process's turn to write for the block (at once if this task holds it)."""
        held = _held.get()
        if id(self) in held:
            yield
            return
        lock = self._lock()
        try:
            async with asyncio.timeout(self.wait_seconds):
                await lock.acquire()
        except TimeoutError:
            raise WriterWaitedTooLong(
                f"waited {self.wait_seconds:.0f} s for this process's other writers of the database"
            ) from None
        token = _held.set(held | {id(self)})
        try:
            yield
        finally:
            # A keyed write's turn ends in its commit, which may run in another context.
            with contextlib.suppress(ValueError):
                _held.reset(token)
            lock.release()
