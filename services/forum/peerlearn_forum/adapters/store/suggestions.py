"""What the matcher last suggested for each thread (its ``answerers.suggested`` events)."""

from __future__ import annotations

from datetime import datetime

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.adapters.store.tables import thread_suggestions


async def store_suggestions(session: AsyncSession, thread_id: str, payload: object, at: datetime) -> None:
    """Keep the matcher's latest suggestions for a thread (older ones never replace newer)."""
    encoded = msgspec.json.encode(payload)
    table = thread_suggestions
    row = (await session.execute(sa.select(table.c.version_at).where(table.c.thread_id == thread_id))).first()
    if row is None:
        await session.execute(sa.insert(table).values(thread_id=thread_id, payload=encoded, version_at=at))
    elif row.version_at <= at:
        await session.execute(
            sa.update(table).where(table.c.thread_id == thread_id).values(payload=encoded, version_at=at)
        )


async def suggestions_for(session: AsyncSession, thread_id: str) -> bytes | None:
    """The stored suggestions of a thread (JSON of ``AnswerersSuggested``), or None."""
    return await session.scalar(
        sa.select(thread_suggestions.c.payload).where(thread_suggestions.c.thread_id == thread_id)
    )
