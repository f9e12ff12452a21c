"""The SQL store every service keeps its system of record in (SQLAlchemy 2, async).

SQLite (a file per service, WAL, foreign keys on) is the embedded default; PostgreSQL
when the URL says so. On PostgreSQL each service lives in a schema of its own, so the
three services can share one database without sharing a table. Schema changes are
Alembic migrations, applied at start-up and by ``peerlearn migrate``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from peerlearn.writer_turns import WriterTurns


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A point in time, stored and read back in UTC with its offset on every engine.

    SQLite keeps no offset and hands back naive datetimes; every time peerlearn stores is
    UTC, so a naive value read back is UTC, and answers always carry ``+00:00`` (RFC 3339).
    Use it for every timestamp column: ``sa.Column("created_at", UTCDateTime, …)``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``; on PostgreSQL every connection uses ``schema``."""
    connect_args: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Writers wait for each other instead of failing with "database is locked".
        connect_args["timeout"] = 30
    else:
        if schema is not None:
            if not _SCHEMA_NAME.match(schema):
                raise ValueError(f"invalid schema name {schema!r}")
            connect_args["server_settings"] = {"search_path": schema}
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(url, echo=echo, connect_args=connect_args, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take it over so that a
        # transaction that writes holds the lock from its first statement.
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the lock at BEGIN (no deadlock when a reader upgrades); readers started by
    # Database.reading() begin deferred and never wait for a writer (WAL).
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine and its session factory: one per service process."""

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = url
        self.schema = None if is_sqlite(url) else schema
        self.engine = create_engine(url, schema=self.schema, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._readers = async_sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        self._writers = WriterTurns() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def writer_turn(self) -> AsyncIterator[None]:
        """On SQLite, wait for this process's other writers first (see
        :mod:`peerlearn.writer_turns`); on PostgreSQL, nothing to wait for."""
        if self._writers is None:
            yield
            return
        async with self._writers.turn():
            yield

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.writer_turn(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: on SQLite it does not queue behind writers.

        Writing through it may fail with "database is locked" under load; use
        :meth:`transaction` for anything that writes.
        """
        async with self._readers() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def migrate(self, migrations: Path | str) -> None:
        """Apply every Alembic migration in the ``migrations`` folder that is not applied yet."""
        async with self.writer_turn(), self.engine.begin() as conn:
            if self.schema is not None:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            await conn.run_sync(_upgrade, str(migrations))

    async def create_tables(self, metadata: sa.MetaData) -> None:
        """Create the tables of ``metadata`` that do not exist yet.

        For the library's own tables (the stored idempotent answers), which every service has
        and no service's migrations own.
        """
        async with self.writer_turn(), self.engine.begin() as conn:
            if self.schema is not None:
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            await conn.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(migrations: str, connection: Connection | None = None) -> Config:
    """An Alembic config for a service's migrations folder, with no ini file needed."""
    config = Config()
    config.set_main_option("script_location", migrations)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, migrations: str) -> None:
    command.upgrade(alembic_config(migrations, connection), "head")


def run_migrations_in_env(target_metadata: Any) -> None:
    """The body of every service's Alembic ``env.py``: migrate the connection we were given.

    Migrations only run through :meth:`Database.migrate`, which hands Alembic an open
    connection; batch mode lets the same migration alter tables on SQLite.
    """
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `peerlearn migrate` or at service start-up")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
