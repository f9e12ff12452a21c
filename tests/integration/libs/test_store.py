"""The store: the same behaviour on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from peerlearn.store import Database

SAMPLE_MIGRATIONS = Path(__file__).parent / "sample_migrations"

notes = sa.table("notes", sa.column("id"), sa.column("text"))
counters = sa.table("counters", sa.column("name"), sa.column("value"))


async def test_migrations_apply_once_and_can_run_again(migrated: Database) -> None:
    await migrated.migrate(SAMPLE_MIGRATIONS)  # a second start-up changes nothing
    async with migrated.transaction() as session:
        version = await session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert version == "0001"


async def test_a_failed_transaction_leaves_nothing_behind(migrated: Database) -> None:
    async with migrated.transaction() as session:
        await session.execute(sa.insert(notes).values(text="kept"))
    with pytest.raises(IntegrityError):
        async with migrated.transaction() as session:
            await session.execute(sa.insert(notes).values(text="lost"))
            await session.execute(sa.insert(notes).values(text="kept"))  # unique violation
    async with migrated.transaction() as session:
        texts = (await session.scalars(sa.select(notes.c.text))).all()
    assert texts == ["kept"]


async def test_concurrent_increments_are_all_counted(migrated: Database) -> None:
    async with migrated.transaction() as session:
        await session.execute(sa.insert(counters).values(name="votes", value=0))

    async def vote() -> None:
        async with migrated.transaction() as session:
            await session.execute(
                sa.update(counters).where(counters.c.name == "votes").values(value=counters.c.value + 1)
            )

    await asyncio.gather(*(vote() for _ in range(50)))
    async with migrated.transaction() as session:
        assert await session.scalar(sa.select(counters.c.value)) == 50


async def test_foreign_keys_are_enforced_on_sqlite_too(migrated: Database) -> None:
    async with migrated.transaction() as session:
        await session.execute(sa.text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        await session.execute(
            sa.text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))")
        )
    with pytest.raises(IntegrityError):
        async with migrated.transaction() as session:
            await session.execute(sa.text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))


async def test_ping_answers_when_the_database_is_there_and_raises_when_not(migrated: Database) -> None:
    assert await migrated.ping() is None
    nowhere = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    with pytest.raises(OSError):
        await nowhere.ping()
    await nowhere.dispose()


async def test_a_reader_does_not_wait_for_a_writer(migrated: Database) -> None:
    async with migrated.transaction() as session:
        await session.execute(sa.insert(notes).values(text="committed"))
    async with migrated.transaction() as writer:
        await writer.execute(sa.insert(notes).values(text="in flight"))
        # A writer holds the lock; a read still answers at once, seeing only committed rows.
        async with asyncio.timeout(5), migrated.reading() as reader:
            texts = (await reader.scalars(sa.select(notes.c.text))).all()
    assert texts == ["committed"]
