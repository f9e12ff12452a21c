"""Use case: list an org's people as the caller may see them, a page at a time."""

from __future__ import annotations

from peerlearn.auth import Principal
from peerlearn.errors import NotFound
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters import store
from peerlearn_profiles.domain.paging import check_cursor
from peerlearn_profiles.domain.sight import sight_of
from peerlearn_profiles.http.schemas import PeoplePage
from peerlearn_profiles.http.views import person_view
from peerlearn_profiles.usecases.access import viewer_of


async def list_people(
    uow: UnitOfWork, principal: Principal, org_id: str, *, cursor: str | None, limit: int
) -> PeoplePage:
    """Everyone for the org's own people and the platform admin; for a person of another org only
    the fellow members of cohorts they share (as cards); 404 when there are none."""
    cursor = check_cursor(cursor)
    async with uow.reading() as tx:
        viewer = await viewer_of(tx.session, principal)
        session = tx.session
        if await store.get_org(session, org_id) is None:
            raise NotFound(f"no organisation {org_id}")
        if viewer.platform_admin or viewer.org_id == org_id:
            ids = await store.page_of_people(session, org_id, after=cursor, limit=limit + 1)
        else:
            shared = sorted(viewer.cohort_ids)
            if not shared or not await store.page_of_people(
                session, org_id, after=None, limit=1, in_cohorts=shared
            ):
                raise NotFound(f"no organisation {org_id}")
            ids = await store.page_of_people(
                session, org_id, after=cursor, limit=limit + 1, in_cohorts=shared
            )
        more = len(ids) > limit
        ids = ids[:limit]
        items = []
        for person in await store.get_people(session, ids):
            sight = sight_of(viewer, person.id, person.org_id, person.cohort_ids)
            if sight is not None:
                items.append(person_view(person, sight))
        return PeoplePage(items=items, next_cursor=ids[-1] if more and ids else None)
