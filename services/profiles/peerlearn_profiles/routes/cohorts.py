"""Cohorts across organisations: create, read, invitations, leaving, members."""

from __future__ import annotations

from litestar import Response, delete, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles import cohort_store, cohorts
from peerlearn_profiles.domain import Viewer
from peerlearn_profiles.schemas import Cohort, CohortCreate, Invitation, InvitationCreate, Membership


@post("/cohorts", tags=["cohorts"], summary="Create a cohort owned by your org (org admin)")
async def create_cohort(data: CohortCreate, db_session: AsyncSession, viewer: Viewer) -> Cohort:
    cohort = await cohorts.create_cohort(db_session, viewer, data)
    return await cohorts.cohort_view(db_session, viewer, cohort)


@get(
    "/cohorts",
    tags=["cohorts"],
    summary="Cohorts your org is in or invited to (all of them for the platform admin)",
)
async def list_cohorts(db_session: AsyncSession, viewer: Viewer) -> list[Cohort]:
    if viewer.platform_admin:
        ids = await cohort_store.all_cohort_ids(db_session)
    else:
        ids = (
            [] if viewer.org_id is None else await cohort_store.visible_cohort_ids(db_session, viewer.org_id)
        )
    found = []
    for cohort_id in ids:
        cohort = await cohorts.visible_cohort(db_session, viewer, cohort_id)
        found.append(await cohorts.cohort_view(db_session, viewer, cohort))
    return found


@get("/cohorts/{cohort_id:str}", tags=["cohorts"], summary="A cohort: member orgs, and members to members")
async def get_cohort(cohort_id: str, db_session: AsyncSession, viewer: Viewer) -> Cohort:
    cohort = await cohorts.visible_cohort(db_session, viewer, cohort_id)
    return await cohorts.cohort_view(db_session, viewer, cohort)


@post("/cohorts/{cohort_id:str}/invitations", tags=["cohorts"], summary="Invite an org (owner org admin)")
async def invite(
    cohort_id: str, data: InvitationCreate, db_session: AsyncSession, viewer: Viewer
) -> Invitation:
    status = await cohorts.invite_org(db_session, viewer, cohort_id, data.org_id)
    return Invitation(cohort_id=cohort_id, org_id=data.org_id, status=status)  # type: ignore[arg-type]


@post(
    "/cohorts/{cohort_id:str}/invitations/{org_id:str}/accept",
    status_code=HTTP_200_OK,
    tags=["cohorts"],
    summary="Accept an invitation (the invited org's admin)",
)
async def accept(cohort_id: str, org_id: str, db_session: AsyncSession, viewer: Viewer) -> Invitation:
    status = await cohorts.answer_invitation(db_session, viewer, cohort_id, org_id, accept=True)
    return Invitation(cohort_id=cohort_id, org_id=org_id, status=status)  # type: ignore[arg-type]


@post(
    "/cohorts/{cohort_id:str}/invitations/{org_id:str}/decline",
    status_code=HTTP_200_OK,
    tags=["cohorts"],
    summary="Decline an invitation (the invited org's admin)",
)
async def decline(cohort_id: str, org_id: str, db_session: AsyncSession, viewer: Viewer) -> Invitation:
    status = await cohorts.answer_invitation(db_session, viewer, cohort_id, org_id, accept=False)
    return Invitation(cohort_id=cohort_id, org_id=org_id, status=status)  # type: ignore[arg-type]


@delete(
    "/cohorts/{cohort_id:str}/orgs/{org_id:str}",
    tags=["cohorts"],
    summary="An org leaves the cohort; its people stop being members",
)
async def leave(cohort_id: str, org_id: str, db_session: AsyncSession, viewer: Viewer) -> None:
    await cohorts.leave_cohort(db_session, viewer, cohort_id, org_id)


@post(
    "/cohorts/{cohort_id:str}/members/{person_id:str}",
    tags=["cohorts"],
    summary="Add a person of your org (201; 200 when already a member)",
)
async def add_member(
    cohort_id: str, person_id: str, db_session: AsyncSession, viewer: Viewer
) -> Response[Membership]:
    org_id, added = await cohorts.add_member(db_session, viewer, cohort_id, person_id)
    return Response(
        Membership(cohort_id=cohort_id, person_id=person_id, org_id=org_id),
        status_code=HTTP_201_CREATED if added else HTTP_200_OK,
    )


@delete("/cohorts/{cohort_id:str}/members/{person_id:str}", tags=["cohorts"], summary="Remove a member")
async def remove_member(cohort_id: str, person_id: str, db_session: AsyncSession, viewer: Viewer) -> None:
    await cohorts.remove_member(db_session, viewer, cohort_id, person_id)


handlers = [
    create_cohort,
    list_cohorts,
    get_cohort,
    invite,
    accept,
    decline,
    leave,
    add_member,
    remove_member,
]
