"""notify's read model of the forum: where each thread lives and who answered it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn_notify.adapters.tables import pending_routes, seen_suggestions, thread_answerers, threads


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def lock_thread(session: AsyncSession, thread_id: str) -> None:
    """Serialise the handlers of one thread until this transaction ends (PostgreSQL; SQLite has
    one writer anyway): a routing that parks its answerers and the thread's creation that takes
    them must not pass each other unseen in two concurrent transactions."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(thread_id))))


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


async def park_routes(session: AsyncSession, thread_id: str, person_ids: list[str], at: datetime) -> None:
    """Keep answerers routed to a thread notify does not know yet, for when it arrives."""
    for person_id in person_ids:
        statement = _insert(session)(pending_routes).values(
            thread_id=thread_id, person_id=person_id, routed_at=at
        )
        await session.execute(statement.on_conflict_do_nothing())


async def take_parked_routes(session: AsyncSession, thread_id: str) -> list[tuple[str, datetime]]:
    """The answerers parked for ``thread_id`` and when they were routed (removed from the parking)."""
    rows = (
        await session.execute(
            sa.select(pending_routes.c.person_id, pending_routes.c.routed_at).where(
                pending_routes.c.thread_id == thread_id
            )
        )
    ).all()
    if rows:
        await session.execute(sa.delete(pending_routes).where(pending_routes.c.thread_id == thread_id))
    return [(row.person_id, row.routed_at) for row in rows]
