"""Reads of a SQLite file in the event loop's thread, without the async driver's thread hops.

The async SQLite driver runs every statement in a thread of its own and wakes the loop when it
is done: the forum's thread view's four statements (begin, thread, posts, commit) were four
hops, each a wake-up of the loop and a hand-over of the GIL, which under load cost more than the
queries (a profile under wrk: bench/forum_api.py, docs/BENCHMARKS.md; the matcher's suggestions
list spent most of its samples in the driver's thread: bench/web.py). A read of a few indexed
rows of a local file takes well under a millisecond, so the hot reads (the forum's thread,
listings and spaces, the matcher's suggestions) run it here instead: one read transaction
(``BEGIN DEFERRED``: in WAL mode it never waits for a writer) on a connection of this process's
own pool. The service kit closes it with the database.

Statements go through a plain SQLAlchemy session behind the few awaitable methods the stores
call (``execute``, ``scalar``, ``scalars``), so the stores' queries are the same on both paths.
PostgreSQL (and an in-memory SQLite) read through the unit of work as before.

A read whose cost depends on the data (a ranked search: bm25 over every match) takes a budget
of SQLite steps (``max_steps``): past it SQLite interrupts the read, :class:`ReadTooLong` is
raised, and the caller reads again through the async driver. So the loop is held for at most
the budget (SQLite runs some 20 million steps a second: 40,000 are about 2 ms), and a cheap
read costs no thread hop.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork

# Readers never wait for a writer in WAL mode; a short timeout only for the rare moments they
# might (recovering the WAL index after a crash), never a stalled loop.
_BUSY_SECONDS = 0.2
# How often (in SQLite steps) a budgeted read's progress handler counts down.
_STEP_GRAIN = 1000


class ReadTooLong(Exception):
    """A budgeted read in the loop's thread went past its steps and was interrupted: read again
    through the unit of work (the async driver's thread)."""


class _LoopSession:
    """The awaitable face of a synchronous session: each call completes before it returns."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def execute(self, statement: Any, params: Any = None) -> Any:
        return self._session.execute(statement, params)

    async def scalar(self, statement: Any, params: Any = None) -> Any:
        return self._session.scalar(statement, params)

    async def scalars(self, statement: Any, params: Any = None) -> Any:
        return self._session.scalars(statement, params)

    def get_bind(self) -> Any:
        return self._session.get_bind()


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_SECONDS * 1000)}")
    cursor.close()


def _begin(connection: sa.Connection) -> None:
    # One snapshot for all of a read's statements (pysqlite would run each on its own).
    connection.exec_driver_sql("BEGIN DEFERRED")


class LoopReads:
    """A synchronous engine on the same SQLite file as the service's async one, for reads."""

    def __init__(self, path: str) -> None:
        self.engine = sa.create_engine(
            f"sqlite:///{path}", connect_args={"timeout": _BUSY_SECONDS, "check_same_thread": False}
        )
        sa.event.listen(self.engine, "connect", _pragmas)
        sa.event.listen(self.engine, "begin", _begin)


_reads: weakref.WeakKeyDictionary[Database, LoopReads | None] = weakref.WeakKeyDictionary()


def loop_reads_for(database: Database) -> LoopReads | None:
    """The loop's reader of ``database`` when it is a SQLite file, else None."""
    if database not in _reads:
        path = make_url(database.url).database if database.is_sqlite else None
        usable = bool(path) and path != ":memory:" and not str(path).startswith("file:")
        _reads[database] = LoopReads(str(path)) if usable else None
    return _reads[database]


def close_loop_reads(database: Database) -> None:
    """Close the loop's reader of ``database``, if any (at the app's shutdown)."""
    reads = _reads.pop(database, None)
    if reads is not None:
        reads.engine.dispose()


@asynccontextmanager
async def reading(uow: UnitOfWork, *, max_steps: int | None = None) -> AsyncIterator[AsyncSession]:
    """A read-only session for a read use case: in the loop's thread on a SQLite file (see the
    module docstring), else the unit of work's :meth:`~peerlearn.unit_of_work.UnitOfWork.reading`.

    With ``max_steps``, a read in the loop's thread that takes more SQLite steps raises
    :class:`ReadTooLong` (the caller reads again through ``uow.reading()``).
    Only for reads that never write and are never part of a request's write transaction.
    """
    reads = loop_reads_for(uow.database)
    if reads is None:
        async with uow.reading() as tx:
            yield tx.session
        return
    with Session(reads.engine) as session, session.begin():
        if max_steps is None:
            yield cast(AsyncSession, _LoopSession(session))
            return
        dbapi = session.connection().connection.dbapi_connection
        assert dbapi is not None
        left = [max_steps // _STEP_GRAIN]

        def spend() -> int:
            left[0] -= 1
            return 1 if left[0] < 0 else 0  # non-zero: SQLite interrupts the statement

        dbapi.set_progress_handler(spend, _STEP_GRAIN)
        try:
            yield cast(AsyncSession, _LoopSession(session))
        except sa.exc.OperationalError as error:
            if left[0] < 0:
                raise ReadTooLong(f"a read in the loop's thread took over {max_steps} steps") from error
            raise
        finally:
            dbapi.set_progress_handler(None, 0)
