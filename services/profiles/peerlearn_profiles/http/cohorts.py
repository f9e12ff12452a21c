"""Cohorts across organisations: create, read, invitations, leaving, members."""

from __future__ import annotations

from litestar import Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.http.schemas import Cohort, CohortCreate, Invitation, InvitationCreate, Membership
from peerlearn_profiles.usecases import cohorts


@post("/cohorts", tags=["cohorts"], summary="Create a cohort owned by your org (org admin)")
async def create_cohort(data: CohortCreate, uow: UnitOfWork, principal: Principal) -> Cohort:
    return await cohorts.create_cohort(uow, principal, data)


@get(
    "/cohorts",
    tags=["cohorts"],
    summary="Cohorts your org is in or invited to (all of them for the platform admin)",
)
async def list_cohorts(uow: UnitOfWork, principal: Principal) -> list[Cohort]:
    return await cohorts.list_cohorts(uow, principal)


@get("/cohorts/{cohort_id:str}", tags=["cohorts"], summary="A cohort: member orgs, and members to members")
async def get_cohort(cohort_id: str, uow: UnitOfWork, principal: Principal) -> Cohort:
    return await cohorts.read_cohort(uow, principal, cohort_id)


@post("/cohorts/{cohort_id:str}/invitations", tags=["cohorts"], summary="Invite an org (owner org admin)")
async def invite(cohort_id: str, data: InvitationCreate, uow: UnitOfWork, principal: Principal) -> Invitation:
    return await cohorts.invite_org(uow, principal, cohort_id, data.org_id)


@post(
    "/cohorts/{cohort_id:str}/invitations/{org_id:str}/accept",
    status_code=HTTP_200_OK,
    tags=["cohorts"],
    summary="Accept an invitation (the invited org's admin)",
)
async def accept(cohort_id: str, org_id: str, uow: UnitOfWork, principal: Principal) -> Invitation:
    return await cohorts.answer_invitation(uow, principal, cohort_id, org_id, accept=True)


@post(
    "/cohorts/{cohort_id:str}/invitations/{org_id:str}/decline",
    status_code=HTTP_200_OK,
    tags=["cohorts"],
    summary="Decline an invitation (the invited org's admin)",
)
async def decline(cohort_id: str, org_id: str, uow: UnitOfWork, principal: Principal) -> Invitation:
    return await cohorts.answer_invitation(uow, principal, cohort_id, org_id, accept=False)


@delete(
    "/cohorts/{cohort_id:str}/orgs/{org_id:str}",
    tags=["cohorts"],
    summary="An org leaves the cohort; its people stop being members",
)
async def leave(cohort_id: str, org_id: str, uow: UnitOfWork, principal: Principal) -> None:
    await cohorts.leave_cohort(uow, principal, cohort_id, org_id)


@post(
    "/cohorts/{cohort_id:str}/members/{person_id:str}",
    tags=["cohorts"],
    summary="Add a person of your org (201; 200 when already a member)",
    status_code=HTTP_201_CREATED,
    responses={HTTP_200_OK: ResponseSpec(data_container=Membership, description="Already a member")},
)
async def add_member(
    cohort_id: str, person_id: str, uow: UnitOfWork, principal: Principal
) -> Response[Membership]:
    membership, added = await cohorts.add_member(uow, principal, cohort_id, person_id)
    return Response(membership, status_code=HTTP_201_CREATED if added else HTTP_200_OK)


@delete("/cohorts/{cohort_id:str}/members/{person_id:str}", tags=["cohorts"], summary="Remove a member")
async def remove_member(cohort_id: str, person_id: str, uow: UnitOfWork, principal: Principal) -> None:
    await cohorts.remove_member(uow, principal, cohort_id, person_id)


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
