"""Writers of one process take turns on a SQLite file: one that waits is next when the lock is
free, not starved by a writer that commits and begins again (SQLite's busy handler sleeps up
to 100 ms between tries and loses every race to such a writer)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerlearn.store import Database
from peerlearn.writer_turns import WriterTurns, WriterWaitedTooLong

notes = sa.table("notes", sa.column("id"), sa.column("text"))


@pytest.fixture
async def sqlite(tmp_path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    async with database.transaction() as session:
        await session.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"))
    yield database  # type: ignore[misc]
    await database.dispose()


async def test_a_waiting_writer_goes_next_not_after_a_busy_writer_is_done(sqlite: Database) -> None:
    order: list[str] = []
    busy_started = asyncio.Event()

    async def busy() -> None:
        for n in range(40):  # back to back, as an event consumer under load writes
            async with sqlite.transaction() as session:
                await session.execute(sa.insert(notes).values(text=f"busy {n}"))
                busy_started.set()
                await asyncio.sleep(0.005)
            order.append(f"busy {n}")

    async def once() -> None:
        await busy_started.wait()
        async with sqlite.transaction() as session:
            await session.execute(sa.insert(notes).values(text="once"))
        order.append("once")

    await asyncio.gather(busy(), once())
    # It asked while the first busy transaction was open: it is second or third, never last.
    assert order.index("once") <= 2, order
    async with sqlite.reading() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(notes)) == 41


async def test_a_task_holding_its_turn_may_open_another_transaction(sqlite: Database) -> None:
    # SQLAlchemy begins lazily: an outer transaction that has not written holds no SQLite lock,
    # so an inner one commits as it did before the turns (no wait for itself).
    async with sqlite.transaction() as outer:
        async with sqlite.transaction() as inner:
            await inner.execute(sa.insert(notes).values(text="inner"))
        assert await outer.scalar(sa.select(notes.c.text)) == "inner"


async def test_a_turn_not_given_in_time_says_so() -> None:
    turns = WriterTurns(wait_seconds=0.05)
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with turns.turn():
            held.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await held.wait()
    with pytest.raises(WriterWaitedTooLong, match="other writers"):
        async with turns.turn():
            pass
    release.set()
    await task
    async with turns.turn():  # free again
        pass


async def test_a_task_started_while_its_parent_holds_the_turn_passes_through() -> None:
    # As before the turns, SQLite decides such a case (a parent that has not written yet holds
    # no SQLite lock); the turn must not make the child wait for its own parent.
    turns = WriterTurns(wait_seconds=0.5)

    async def child() -> str:
        async with turns.turn():
            return "wrote"

    async with turns.turn():
        assert await asyncio.gather(child(), child()) == ["wrote", "wrote"]
