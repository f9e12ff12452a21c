"""Reads and writes of the learning acts and insights' copy of the forum's threads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn_insights.adapters import statement_outbox
from peerlearn_insights.adapters.tables import acts, threads
from peerlearn_insights.domain.acts import Act


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def keep_thread(session: AsyncSession, data: events.ThreadSnapshot) -> None:
    """Remember (or update) where a thread lives, its title and tags."""
    values = {
        "title": data.title[:300],
        "kind": data.kind,
        "visibility": data.visibility,
        "org_id": data.org_id,
        "cohort_id": data.cohort_id,
        "tags": list(data.tags),
    }
    statement = _insert(session)(threads).values(id=data.thread_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))


async def add_act(session: AsyncSession, act: Act) -> None:
    """Keep one act (a second copy of the same act is ignored) and, in the same transaction,
    queue its xAPI statement for the person's org's LRS."""
    statement = _insert(session)(acts).values(
        event_id=act.event_id,
        person_id=act.person_id,
        verb=act.verb,
        at=act.at,
        thread_id=act.thread_id,
        cohort_id=act.cohort_id,
        other_id=act.other_id,
        minutes=act.minutes,
    )
    added = await session.execute(statement.on_conflict_do_nothing())
    if added.rowcount:  # type: ignore[attr-defined]
        await statement_outbox.queue(session, act, datetime.now(UTC))


async def forget_person(session: AsyncSession, person_id: str) -> None:
    """An erased person's acts and their statements in the outbox go; others' acts keep no
    trace of them."""
    await statement_outbox.forget_person(session, person_id)
    await session.execute(sa.delete(acts).where(acts.c.person_id == person_id))
    await session.execute(sa.update(acts).where(acts.c.other_id == person_id).values(other_id=None))


async def acts_of(
    session: AsyncSession, person_id: str, start: datetime | None, end: datetime | None
) -> list[Any]:
    """The person's acts in ``[start, end)``, oldest first, each with its thread's place and title."""
    query = (
        sa.select(
            acts,
            threads.c.title,
            threads.c.visibility,
            threads.c.org_id.label("thread_org_id"),
            threads.c.cohort_id.label("thread_cohort_id"),
            threads.c.tags,
        )
        .select_from(acts.outerjoin(threads, threads.c.id == acts.c.thread_id))
        .where(acts.c.person_id == person_id)
        .order_by(acts.c.at, acts.c.event_id, acts.c.verb)
    )
    if start is not None:
        query = query.where(acts.c.at >= start)
    if end is not None:
        query = query.where(acts.c.at < end)
    return list((await session.execute(query)).all())
