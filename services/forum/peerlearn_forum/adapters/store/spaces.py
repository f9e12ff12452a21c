"""Spaces, and the SQL form of "what may this viewer see" that every listing filters by."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_forum.domain import SpaceRef, Viewer
from peerlearn_forum.models import spaces


def visible_spaces(viewer: Viewer) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``spaces`` true exactly for the spaces ``viewer`` may see (domain.can_see)."""
    if viewer.platform_admin:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [spaces.c.visibility == "public"]
    if viewer.person_id is not None:
        clauses.append(sa.and_(spaces.c.visibility == "org", spaces.c.org_id == viewer.org_id))
        cohort_ids = viewer.cohort_ids | viewer.admin_cohort_ids
        if cohort_ids:
            clauses.append(
                sa.and_(spaces.c.visibility == "cohort", spaces.c.cohort_id.in_(sorted(cohort_ids)))
            )
    return sa.or_(*clauses)


def space_ref(row: Any) -> SpaceRef:
    return SpaceRef(visibility=row.visibility, org_id=row.org_id, cohort_id=row.cohort_id)


async def insert_space(session: AsyncSession, **values: Any) -> None:
    await session.execute(sa.insert(spaces).values(**values))


async def get_space(session: AsyncSession, space_id: str) -> Any:
    return (await session.execute(sa.select(spaces).where(spaces.c.id == space_id))).first()


async def list_spaces(session: AsyncSession, viewer: Viewer, *, after: str | None, limit: int) -> list[Any]:
    """Visible spaces in id (creation) order, ``limit`` + 1 rows to tell whether more follow."""
    query = sa.select(spaces).where(visible_spaces(viewer)).order_by(spaces.c.id).limit(limit + 1)
    if after:
        query = query.where(spaces.c.id > after)
    return list((await session.execute(query)).all())


async def add_threads(session: AsyncSession, space_id: str, delta: int) -> None:
    await session.execute(
        sa.update(spaces).where(spaces.c.id == space_id).values(thread_count=spaces.c.thread_count + delta)
    )


def moderated_spaces(viewer: Viewer) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``spaces`` for the spaces ``viewer`` moderates (domain.can_moderate)."""
    if viewer.platform_admin:
        return sa.true()
    clauses: list[sa.ColumnElement[bool]] = [sa.false()]
    if viewer.person_id is not None and viewer.is_org_admin:
        clauses.append(sa.and_(spaces.c.visibility == "org", spaces.c.org_id == viewer.org_id))
        if viewer.admin_cohort_ids:
            clauses.append(
                sa.and_(
                    spaces.c.visibility == "cohort", spaces.c.cohort_id.in_(sorted(viewer.admin_cohort_ids))
                )
            )
    return sa.or_(*clauses)
