"""Spaces, and the WHERE clauses on them that every listing, search and count filters by.

The clauses are the library's SQL form of the visibility rule (:mod:`peerlearn.directory
.visibility`), on the ``spaces`` columns: one rule in two forms, tested to agree in libs.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.directory.caller import Caller
from peerlearn.directory.visibility import moderated_by, visible_to
from peerlearn_forum.adapters.store.tables import spaces


def visible_spaces(caller: Caller) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``spaces`` true exactly for the spaces ``caller`` may see (``may_see``)."""
    return visible_to(caller, spaces.c.visibility, spaces.c.org_id, spaces.c.cohort_id)


def moderated_spaces(caller: Caller) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``spaces`` for the spaces ``caller`` moderates (``may_moderate``)."""
    return moderated_by(caller, spaces.c.visibility, spaces.c.org_id, spaces.c.cohort_id)


async def insert_space(session: AsyncSession, **values: Any) -> None:
    """Store a new space."""
    await session.execute(sa.insert(spaces).values(**values))


async def get_space(session: AsyncSession, space_id: str) -> Any:
    """The space's row, or None."""
    return (await session.execute(sa.select(spaces).where(spaces.c.id == space_id))).first()


async def list_spaces(session: AsyncSession, caller: Caller, *, after: str | None, limit: int) -> list[Any]:
    """Visible spaces in id (creation) order, ``limit`` + 1 rows to tell whether more follow."""
    query = sa.select(spaces).where(visible_spaces(caller)).order_by(spaces.c.id).limit(limit + 1)
    if after:
        query = query.where(spaces.c.id > after)
    return list((await session.execute(query)).all())


async def add_threads(session: AsyncSession, space_id: str, delta: int) -> None:
    """Keep the space's thread count current."""
    await session.execute(
        sa.update(spaces).where(spaces.c.id == space_id).values(thread_count=spaces.c.thread_count + delta)
    )
