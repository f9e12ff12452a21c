"""Creating and listing spaces."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.events import new_id
from peerlearn_forum import schemas, views
from peerlearn_forum.access import space_seen_by
from peerlearn_forum.domain import (
    Invalid,
    Viewer,
    check_may_create_space,
    cursor_id,
    decode_cursor,
    encode_cursor,
)
from peerlearn_forum.store import readmodel
from peerlearn_forum.store import spaces as space_store


async def create_space(session: AsyncSession, viewer: Viewer, data: schemas.SpaceCreate) -> schemas.Space:
    """Create an org, cohort or public space if the caller may (see domain.check_may_create_space)."""
    org_id: str | None = None
    cohort_id: str | None = None
    member_orgs: set[str] | None = None
    if data.visibility == "org":
        org_id = data.org_id or viewer.org_id
        if org_id is None:
            raise Invalid("an org space needs org_id")
        if data.cohort_id:
            raise Invalid("an org space has no cohort_id")
    elif data.visibility == "cohort":
        if not data.cohort_id:
            raise Invalid("a cohort space needs cohort_id")
        if data.org_id:
            raise Invalid("a cohort space has no org_id")
        cohort_id = data.cohort_id
        member_orgs = await readmodel.cohort_member_orgs(session, cohort_id)
    elif data.org_id or data.cohort_id:
        raise Invalid("a public space has neither org_id nor cohort_id")
    check_may_create_space(viewer, data.visibility, org_id, member_orgs)
    values = {
        "id": new_id(),
        "name": data.name.strip(),
        "description": data.description,
        "visibility": data.visibility,
        "org_id": org_id,
        "cohort_id": cohort_id,
        "created_by": viewer.person_id,
        "created_at": datetime.now(UTC),
        "thread_count": 0,
    }
    await space_store.insert_space(session, **values)
    row = await space_store.get_space(session, values["id"])  # type: ignore[arg-type]
    return views.space(row)


async def list_spaces(
    session: AsyncSession, viewer: Viewer, *, cursor: str | None, limit: int
) -> schemas.SpacePage:
    """The spaces the caller may see, oldest first."""
    after = cursor_id(decode_cursor(cursor), "id") if cursor else None
    rows = await space_store.list_spaces(session, viewer, after=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    return schemas.SpacePage(
        items=[views.space(r) for r in rows],
        next_cursor=encode_cursor({"id": rows[-1].id}) if more else None,
    )


async def get_space(session: AsyncSession, viewer: Viewer, space_id: str) -> schemas.Space:
    return views.space(await space_seen_by(session, viewer, space_id))
