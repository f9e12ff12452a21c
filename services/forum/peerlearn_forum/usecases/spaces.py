"""Creating a space, listing the spaces the caller may see, reading one."""

from __future__ import annotations

from datetime import UTC, datetime

from peerlearn.auth import Principal
from peerlearn.events import new_id
from peerlearn.loop_reads import reading
from peerlearn.read_cache import read_cache_for
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.store import spaces as space_store
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.domain.cursors import cursor_id, decode_cursor, encode_cursor
from peerlearn_forum.domain.spaces import check_may_create_space, placement
from peerlearn_forum.http import schemas, views
from peerlearn_forum.usecases.access import caller_of, reader_of, space_seen_by


async def create_space(
    uow: UnitOfWork, principal: Principal | None, data: schemas.SpaceCreate
) -> schemas.Space:
    """Create an org, cohort or public space if the caller may (``check_may_create_space``)."""
    async with uow.writing() as tx:
        caller = await caller_of(tx.session, principal)
        org_id, cohort_id = placement(caller, data.visibility, data.org_id, data.cohort_id)
        member_orgs = (
            await DIRECTORY.cohort_member_orgs(tx.session, cohort_id) if cohort_id is not None else None
        )
        check_may_create_space(caller, data.visibility, org_id, member_orgs)
        space_id = new_id()
        await space_store.insert_space(
            tx.session,
            id=space_id,
            name=data.name.strip(),
            description=data.description,
            visibility=data.visibility,
            org_id=org_id,
            cohort_id=cohort_id,
            created_by=caller.person_id,
            created_at=datetime.now(UTC),
            thread_count=0,
        )
        return views.space(await space_store.get_space(tx.session, space_id))


async def list_spaces(
    uow: UnitOfWork,
    principal: Principal | None,
    *,
    cursor: str | None,
    limit: int,
    version: int | None = None,
) -> schemas.SpacePage:
    """The spaces the caller may see, oldest first (``version``: as in ``threads.thread_view``)."""
    after = cursor_id(decode_cursor(cursor), "id") if cursor else None
    cache = read_cache_for(uow.database)
    version = await cache.current() if version is None else version
    async with reading(uow) as session:
        caller = await reader_of(session, principal, cache, version)
        rows = await space_store.list_spaces(session, caller, after=after, limit=limit)
    more = len(rows) > limit
    rows = rows[:limit]
    return schemas.SpacePage(
        items=[views.space(r) for r in rows],
        next_cursor=encode_cursor({"id": rows[-1].id}) if more else None,
    )


async def get_space(uow: UnitOfWork, principal: Principal | None, space_id: str) -> schemas.Space:
    """One space, or NotFound when the caller may not see it."""
    cache = read_cache_for(uow.database)
    version = await cache.current()
    async with reading(uow) as session:
        caller = await reader_of(session, principal, cache, version)
        return views.space(await space_seen_by(session, caller, space_id))
