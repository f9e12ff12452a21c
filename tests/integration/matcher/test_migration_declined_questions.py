"""Migration 0005: feedback given before it learns the question of its answerer suggestion
(from the kept suggestion row), on SQLite and PostgreSQL, and back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from peerlearn.store import Database, alembic_config
from peerlearn_matcher.adapters.tables import MIGRATIONS

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def _alembic(database: Database, action: str, revision: str) -> None:
    async with database.engine.begin() as conn:
        if database.schema is not None:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
        await conn.run_sync(lambda c: getattr(command, action)(alembic_config(str(MIGRATIONS), c), revision))


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns))


async def test_old_answerer_feedback_learns_its_thread(database: Database) -> None:
    await _alembic(database, "upgrade", "0004")
    suggestions = _table(
        "suggestions", "id", "person_id", "kind", "candidate_id", "thread_id", "score", "rank",
        "reasons", "features", "status", "created_at",
    )  # fmt: skip
    feedback = _table(
        "feedback", "suggestion_id", "person_id", "candidate_id", "kind", "action", "features", "created_at"
    )
    async with database.transaction() as session:
        for sid, kind, thread_id in (("s-answer", "answerer", "t-1"), ("s-peer", "peer", None)):
            await session.execute(
                sa.insert(suggestions).values(
                    id=sid,
                    person_id="helper",
                    kind=kind,
                    candidate_id="asker",
                    thread_id=thread_id,
                    score=0.5,
                    rank=1,
                    reasons=b"[]",
                    features=b"[]",
                    status="declined",
                    created_at=AT,
                )
            )
            await session.execute(
                sa.insert(feedback).values(
                    suggestion_id=sid,
                    person_id="helper",
                    candidate_id="asker",
                    kind=kind,
                    action="decline",
                    features=b"[]",
                    created_at=AT,
                )
            )

    await database.migrate(MIGRATIONS)

    migrated = _table("feedback", "suggestion_id", "thread_id")
    async with database.reading() as session:
        rows = (await session.execute(sa.select(migrated.c.suggestion_id, migrated.c.thread_id))).all()
    assert {row.suggestion_id: row.thread_id for row in rows} == {"s-answer": "t-1", "s-peer": None}
    await _alembic(database, "downgrade", "0004")
    async with database.reading() as session:
        columns = (await session.execute(sa.select(sa.table("feedback", sa.column("suggestion_id"))))).all()
    assert len(columns) == 2
