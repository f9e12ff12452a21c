"""Migration 0006: the matcher keeps when each answer was written and when it was accepted (the
learned routing's recency and delay features need them), from the forum events' own times, on
SQLite and PostgreSQL, through real NATS; and the migration up and down over old rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from peerlearn import events
from peerlearn.store import Database, alembic_config
from peerlearn_matcher.adapters import tables as models
from peerlearn_matcher.adapters.tables import MIGRATIONS

from .conftest import Harness, new_org, person, thread

ASKED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ANSWERED = datetime(2026, 11, 2, 13, 30, tzinfo=UTC)
ACCEPTED = datetime(2026, 11, 3, 8, 15, tzinfo=UTC)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for what was stored as UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@pytest.mark.asyncio(loop_scope="module")
async def test_an_answer_and_its_acceptance_are_stored_with_the_forum_events_times(matcher: Harness) -> None:
    org = new_org()
    asker = await matcher.upsert(person(org, "Ada Asker", want={"databases": 1}))
    helper = await matcher.upsert(person(org, "Hal Helper", have={"postgresql": 5}))
    question = thread(asker, "Why is my PostgreSQL query slow?", tags=("postgresql",))
    await matcher.publish(question, occurred_at=ASKED)
    post_id = f"p-{question.thread_id}"
    answer = events.PostCreated(
        post_id=post_id,
        thread_id=question.thread_id,
        thread_title=question.title,
        body="Add an index on the filtered column.",
        space_id=question.space_id,
        visibility="public",
        author_id=helper.id,
        asker_id=asker.id,
    )
    await matcher.publish(answer, occurred_at=ANSWERED)
    accepted = events.AnswerAccepted(
        thread_id=question.thread_id,
        post_id=post_id,
        answer_author_id=helper.id,
        asker_id=asker.id,
        space_id=question.space_id,
        visibility="public",
    )
    await matcher.publish(accepted, occurred_at=ACCEPTED)

    async with matcher.database.sessions() as session:
        post = (await session.execute(sa.select(models.posts).where(models.posts.c.id == post_id))).one()
        row = (
            await session.execute(sa.select(models.threads).where(models.threads.c.id == question.thread_id))
        ).one()
    # The acceptance names the post again but must not overwrite when it was written.
    assert (post.author_id, _utc(post.created_at)) == (helper.id, ANSWERED)
    assert (row.accepted_post_id, _utc(row.accepted_at)) == (post_id, ACCEPTED)


async def _alembic(database: Database, action: str, revision: str) -> None:
    async with database.engine.begin() as conn:
        if database.schema is not None:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
        await conn.run_sync(lambda c: getattr(command, action)(alembic_config(str(MIGRATIONS), c), revision))


async def test_posts_stored_before_0006_keep_an_unknown_time_and_the_migration_goes_back(
    database: Database,
) -> None:
    await _alembic(database, "upgrade", "0005")
    old_posts = sa.table("posts", sa.column("id"), sa.column("thread_id"), sa.column("author_id"))
    async with database.transaction() as session:
        await session.execute(sa.insert(old_posts).values(id="p-old", thread_id="t-old", author_id="hal"))

    await _alembic(database, "upgrade", "0006")
    async with database.reading() as session:
        rows = (await session.execute(sa.select(models.posts.c.id, models.posts.c.created_at))).all()
        accepted_at = (await session.execute(sa.select(models.threads.c.accepted_at))).all()
    assert [tuple(r) for r in rows] == [("p-old", None)] and accepted_at == []

    await _alembic(database, "downgrade", "0005")
    async with database.reading() as session:
        kept = (await session.execute(sa.select(old_posts))).all()
    assert [tuple(r) for r in kept] == [("p-old", "t-old", "hal")]
    with pytest.raises(sa.exc.DBAPIError):  # the column is gone again
        async with database.reading() as session:
            await session.execute(sa.select(models.posts.c.created_at))
