"""Turning the caller's token into the :class:`~peerlearn_profiles.domain.sight.Viewer` the rules use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn.errors import Forbidden, NotFound, Unauthenticated
from peerlearn_profiles.adapters import cohort_store, store
from peerlearn_profiles.domain.sight import Sight, Viewer, sight_of


async def viewer_of(session: AsyncSession, principal: Principal) -> Viewer:
    """The caller as they are now in the database, not as their token remembers them.

    A token is good for hours; in that time its person may be erased or lose roles. So only
    the token's person id is trusted: their org, roles and cohorts are read here, in the
    request's transaction, and a token whose person no longer exists is a 401 everywhere.
    The platform admin (a credential from settings, no person) is taken as it is.
    """
    if principal.platform_admin or principal.person_id is None:
        return Viewer(person_id=None, org_id=None, platform_admin=principal.platform_admin)
    standing = await store.standing_of(session, principal.person_id)
    if standing is None:
        raise Unauthenticated("the person of this token no longer exists")
    org_id, roles = standing
    admin_of: frozenset[str] = frozenset()
    if "org_admin" in roles:
        admin_of = await cohort_store.member_cohorts_of_org(session, org_id)
    return Viewer(
        person_id=principal.person_id,
        org_id=org_id,
        roles=tuple(roles),
        platform_admin=False,
        cohort_ids=await cohort_store.cohorts_of(session, principal.person_id),
        admin_cohort_ids=admin_of,
    )


async def visible_person(
    session: AsyncSession, viewer: Viewer, person_id: str, *, lock: bool = False
) -> tuple[store.PersonRecord, Sight]:
    """The person and how much of them the viewer sees; 404 when they may not see them at all.
    ``lock`` (for a change) locks the person's row until the transaction ends."""
    person = await store.get_person(session, person_id, lock=lock)
    sight = None if person is None else sight_of(viewer, person.id, person.org_id, person.cohort_ids)
    if person is None or sight is None:
        raise NotFound(f"no person {person_id}")
    return person, sight


async def visible_org(session: AsyncSession, viewer: Viewer, org_id: str) -> store.OrgRecord:
    """The org if the viewer may know it: their own, one sharing a cohort with theirs, or any for the
    platform admin; else 404."""
    org = await store.get_org(session, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    if viewer.platform_admin or viewer.org_id == org_id:
        return org
    if viewer.org_id is not None:
        theirs = set(await cohort_store.visible_cohort_ids(session, viewer.org_id))
        if theirs.intersection(await cohort_store.visible_cohort_ids(session, org_id)):
            return org
    raise NotFound(f"no organisation {org_id}")


async def administered_org(session: AsyncSession, viewer: Viewer, org_id: str, *, to: str) -> None:
    """Return if the viewer administers the org (their own org, or any for the platform admin);
    404 for an org not theirs (they do not see into it), 403 for a non-admin of their own."""
    if await store.get_org(session, org_id) is None or not (viewer.platform_admin or viewer.org_id == org_id):
        raise NotFound(f"no organisation {org_id}")
    if not viewer.administers(org_id):
        raise Forbidden(f"only an admin of this organisation may {to}")
