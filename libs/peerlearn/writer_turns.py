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

A task that already holds its turn and opens another write transaction (SQLAlchemy begins
lazily, so an outer transaction that has not written yet does not hold SQLite's lock) passes
through, as it did before: that case stays SQLite's to decide.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# As long as SQLite's own busy timeout (store.create_engine): a turn never waited for longer.
WAIT_SECONDS = 30.0


class WriterWaitedTooLong(RuntimeError):
    """This process's other writers held the database for longer than ``WAIT_SECONDS``."""


class _Turn:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holder: asyncio.Task[object] | None = None


class WriterTurns:
    """One queue of writers per event loop (tests run several loops over one database)."""

    def __init__(self, wait_seconds: float = WAIT_SECONDS) -> None:
        self.wait_seconds = wait_seconds
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Turn] = weakref.WeakKeyDictionary()

    def _turn(self) -> _Turn:
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = _Turn()
        return turn

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold this process's turn to write for the block (at once if the task holds it)."""
        turn = self._turn()
        task = asyncio.current_task()
        if task is not None and turn.holder is task:
            yield
            return
        try:
            async with asyncio.timeout(self.wait_seconds):
                await turn.lock.acquire()
        except TimeoutError:
            raise WriterWaitedTooLong(
                f"waited {self.wait_seconds:.0f} s for this process's other writers of the database"
            ) from None
        turn.holder = task
        try:
            yield
        finally:
            turn.holder = None
            turn.lock.release()
