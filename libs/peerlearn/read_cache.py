"""Reads remembered per content version: a service's answers to its readers, never stale.

A service that keeps a read cache has a ``content_version`` table of one row, which every write
to what a reader is shown or who a caller is bumps in its own transaction (triggers:
:mod:`peerlearn.content_version_migration`), so an entry kept under version *n* was computed from
data at least as new as *n*, and the first read after a commit reads *n + 1* and computes afresh:
never stale, in this process or any other sharing the database. Entries of an older version are
dropped as soon as a newer one is seen. The forum keeps its thread views, listings and callers
here, profiles its people (:mod:`peerlearn.cached_reads` serves them per reader).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from peerlearn.store import Database

MAX_ENTRIES = 2048
# Bodies kept at most (a thread page with 50 long posts is tens of kilobytes).
MAX_BYTES = 32 * 1024 * 1024
# The budget of the pages every reader shares (the anonymous ones), kept apart from the above.
SHARED_ENTRIES = 1024
SHARED_BYTES = 16 * 1024 * 1024
_QUERY = "SELECT n FROM content_version WHERE id = 1"
# A lightweight table: each service declares the real one in its own metadata and migration.
_TABLE = sa.table("content_version", sa.column("id"), sa.column("n"))
_SELECT = sa.select(_TABLE.c.n).where(_TABLE.c.id == 1)


class ContentVersion:
    """Reads the content version, once per request.

    On a SQLite file it reads through a connection of its own in the event loop's thread: a
    primary-key read in WAL mode takes microseconds and never waits for a writer, where the
    async driver would hop to its thread and back. An in-memory SQLite asks the pool.

    On PostgreSQL it is one query on a connection kept for it in autocommit (no pool checkout
    and its ping per read), sent through the driver's own prepared statement, and shared: the
    requests that arrive while a read is on the wire wait for the next read, which is sent once
    that one has answered and answers all of them (single-flight). A read answers only requests
    that had arrived before it was sent, never one that came later: a request that follows a
    commit (a writer reading what it wrote, or a reader told of it) gets a version read after
    that commit. So 16 concurrent readers wait for at most two round trips, not sixteen.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._file: str | None = None
        if database.is_sqlite:
            path = make_url(database.url).database
            if path and path != ":memory:" and not path.startswith("file:"):
                self._file = path
        self._connection: sqlite3.Connection | None = None
        self._kept: AsyncConnection | None = None
        self._driver: Any = None  # the kept connection's asyncpg connection, if that is the driver
        # The read on the wire (its requests are fixed: it was sent after they all arrived), and
        # the one the requests that came since then wait for (sent when the first has answered).
        self._on_the_wire: asyncio.Future[int] | None = None
        self._next: asyncio.Future[int] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def current(self) -> int:
        """The committed content version now (at least as new as any commit before this call)."""
        if self._file is not None:
            try:
                return self._read_file()
            except sqlite3.Error:
                # Busy in a rare moment (a checkpoint's restart, say): ask the pool instead.
                self._close()
        elif not self.database.is_sqlite:
            return await self._shared_read()
        return await self._read_pooled()

    async def _shared_read(self) -> int:
        loop = asyncio.get_running_loop()
        if self._on_the_wire is None:
            # Nothing on the wire: a read sent from now on began after this request arrived.
            answer = self._on_the_wire = loop.create_future()
            self._reader = loop.create_task(self._read_while_asked(answer))
        else:
            # The read on the wire may have been sent before a commit this request follows.
            if self._next is None:
                self._next = loop.create_future()
            answer = self._next
        # Shielded: a request given up (a client gone) must not cancel the others' answer.
        return await asyncio.shield(answer)

    async def _read_while_asked(self, answer: asyncio.Future[int]) -> None:
        """Answer ``answer``, then the requests that came meanwhile, until none is waiting."""
        try:
            while True:
                try:
                    answer.set_result(await self._read_kept_or_pooled())
                except asyncio.CancelledError:
                    answer.cancel()
                    raise
                except Exception as error:  # every request waiting for it must hear of it
                    answer.set_exception(error)
                if self._next is None:
                    return
                # The requests waiting now are fixed from here: the next read is sent after them.
                answer, self._next = self._next, None
                self._on_the_wire = answer
        finally:
            self._on_the_wire = None
            if self._next is not None:  # the reader was cancelled (shutdown) with requests waiting
                self._next.cancel()
                self._next = None

    async def _read_kept_or_pooled(self) -> int:
        try:
            return await self._read_kept()
        except Exception:
            # The server restarted or dropped it (the driver's errors or SQLAlchemy's): give it
            # up, the pool's next connection answers (and the next read keeps a new one).
            await self._drop_kept()
        return await self._read_pooled()

    async def _read_kept(self) -> int:
        if self._kept is None:
            connection = await self.database.engine.connect()
            self._kept = await connection.execution_options(isolation_level="AUTOCOMMIT")
            driver = (await self._kept.get_raw_connection()).driver_connection
            self._driver = driver if hasattr(driver, "fetchval") else None
        if self._driver is not None:
            # asyncpg's own prepared statement: a third of SQLAlchemy's cost per read.
            return int(await self._driver.fetchval(_QUERY) or 0)
        return int(await self._kept.scalar(_SELECT) or 0)

    async def _read_pooled(self) -> int:
        async with self.database.engine.connect() as connection:
            value = await connection.scalar(_SELECT)
        return int(value or 0)

    async def _drop_kept(self) -> None:
        kept, self._kept, self._driver = self._kept, None, None
        if kept is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to give back
                await kept.close()

    async def close(self) -> None:
        """Give back the connections kept for version reads (any read still on the wire ends)."""
        reader, self._reader = self._reader, None
        if reader is not None and not reader.done():
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
        self._close()
        await self._drop_kept()

    def _read_file(self) -> int:
        if self._connection is None:
            assert self._file is not None
            # Autocommit: every read sees the latest commit (no read transaction left open).
            self._connection = sqlite3.connect(
                self._file, timeout=0, isolation_level=None, check_same_thread=False
            )
            self._connection.execute("PRAGMA query_only=ON")
        row = self._connection.execute(_QUERY).fetchone()
        return int(row[0]) if row else 0

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _Recent:
    """Values, least recently used dropped beyond ``max_entries`` or ``max_bytes`` (of the values
    that are bytes)."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.bytes = 0

    def clear(self) -> None:
        self.entries.clear()
        self.bytes = 0

    def get(self, key: Hashable) -> Any:
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if key in self.entries:
            self.bytes -= _size(self.entries.pop(key))
        self.entries[key] = value
        self.bytes += _size(value)
        while len(self.entries) > self.max_entries or (self.bytes > self.max_bytes and self.entries):
            _key, dropped = self.entries.popitem(last=False)
            self.bytes -= _size(dropped)


class ReadCache:
    """Values of one content version, least recently used dropped beyond ``max_entries`` or
    ``max_bytes`` (of the values that are bytes).

    Values every reader shares (``shared=True``: an anonymous reader's pages) have a budget of
    their own, :data:`SHARED_ENTRIES` / :data:`SHARED_BYTES`: one body serves everyone, and with
    one budget for all, a crowd of signed-in readers (a body each) pushed them out.
    """

    def __init__(
        self,
        version: ContentVersion,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        shared_entries: int = SHARED_ENTRIES,
        shared_bytes: int = SHARED_BYTES,
    ) -> None:
        self.version = version
        self._version = 0
        self._own = _Recent(max_entries, max_bytes)
        self._shared = _Recent(shared_entries, shared_bytes)
        self.hits = 0
        self.misses = 0

    async def current(self) -> int:
        """The content version now; a newer one than last seen empties the cache."""
        version = await self.version.current()
        if version != self._version:
            self._own.clear()
            self._shared.clear()
            self._version = version
        return version

    def get(self, key: Hashable, version: int, *, shared: bool = False) -> Any:
        """The value kept for ``key`` at ``version``, or None."""
        if version != self._version:
            return None
        value = (self._shared if shared else self._own).get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: Hashable, version: int, value: Any, *, shared: bool = False) -> None:
        """Keep ``value`` for ``key`` if ``version`` is still the newest seen (else it is moot)."""
        if version != self._version:
            return
        (self._shared if shared else self._own).put(key, value)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, bytes) else 0


_caches: weakref.WeakKeyDictionary[Database, ReadCache] = weakref.WeakKeyDictionary()


async def close_read_cache(database: Database) -> None:
    """Give back what the read cache of ``database`` keeps open (at the app's shutdown)."""
    cache = _caches.pop(database, None)
    if cache is not None:
        await cache.version.close()


def read_cache_for(database: Database) -> ReadCache:
    """The read cache of ``database`` in this process (one per database: tests run several)."""
    cache = _caches.get(database)
    if cache is None:
        cache = _caches[database] = ReadCache(ContentVersion(database))
    return cache
