"""notify's read model of the forum: where each thread lives and who answered it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn_notify.adapters.tables import seen_suggestions, thread_answerers, threads


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def keep_thread(session: AsyncSession, data: events.ThreadSnapshot) -> None:
    """Remember (or update) where a thread lives and its title."""
    values = {
        "title": data.title[:300],
        "author_id": data.author_id,
        "visibility": data.visibility,
        "org_id": data.org_id,
        "cohort_id": data.cohort_id,
    }
    statement = _insert(session)(threads).values(id=data.thread_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))


async def thread(session: AsyncSession, thread_id: str) -> Any:
    """The thread row, or None when its creation has not reached notify yet."""
    return (await session.execute(sa.select(threads).where(threads.c.id == thread_id))).first()


async def answerers_before(session: AsyncSession, thread_id: str) -> set[str]:
    """People who answered ``thread_id`` so far."""
    rows = await session.scalars(
        sa.select(thread_answerers.c.person_id).where(thread_answerers.c.thread_id == thread_id)
    )
    return set(rows)


async def add_answerer(session: AsyncSession, thread_id: str, person_id: str) -> None:
    """Remember that ``person_id`` answered ``thread_id``."""
    statement = _insert(session)(thread_answerers).values(thread_id=thread_id, person_id=person_id)
    await session.execute(statement.on_conflict_do_nothing())


async def never_told(session: AsyncSession, person_id: str, kind: str, candidate_ids: list[str]) -> list[str]:
    """Of ``candidate_ids`` suggested as ``kind``, those the person was never told about."""
    if not candidate_ids:
        return []
    known = set(
        await session.scalars(
            sa.select(seen_suggestions.c.candidate_id).where(
                seen_suggestions.c.person_id == person_id,
                seen_suggestions.c.kind == kind,
                seen_suggestions.c.candidate_id.in_(candidate_ids),
            )
        )
    )
    return [c for c in dict.fromkeys(candidate_ids) if c not in known]


async def remember_told(session: AsyncSession, person_id: str, kind: str, candidate_ids: list[str]) -> None:
    """The person was told about these suggestions (a later update is not new for them)."""
    for candidate in candidate_ids:
        await session.execute(
            sa.insert(seen_suggestions).values(person_id=person_id, kind=kind, candidate_id=candidate)
        )
