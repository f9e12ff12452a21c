"""Organisations and their people lists."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.params import Parameter

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.http.schemas import Org, OrgCreate, PeoplePage, Person, PersonCreate
from peerlearn_profiles.usecases import listing, orgs, people

Limit = Annotated[int, Parameter(ge=1, le=200, description="page size")]
Cursor = Annotated[
    str | None,
    Parameter(max_length=40, pattern=r"^[A-Za-z0-9_-]*$", description="next_cursor of the previous page"),
]


@post("/orgs", tags=["orgs"], summary="Create an organisation (platform admin)")
async def create_org(data: OrgCreate, uow: UnitOfWork, principal: Principal) -> Org:
    return await orgs.create_org(uow, principal, data)


@get("/orgs/{org_id:str}", tags=["orgs"], summary="An organisation you may know")
async def get_org(org_id: str, uow: UnitOfWork, principal: Principal) -> Org:
    return await orgs.read_org(uow, principal, org_id)


@get("/orgs/{org_id:str}/people", tags=["people"], summary="The org's people you may see, a page at a time")
async def org_people(
    org_id: str, uow: UnitOfWork, principal: Principal, cursor: Cursor = None, limit: Limit = 50
) -> PeoplePage:
    return await listing.list_people(uow, principal, org_id, cursor=cursor, limit=limit)


@post("/orgs/{org_id:str}/people", tags=["people"], summary="Add a person (org admin or platform admin)")
async def create_person(org_id: str, data: PersonCreate, uow: UnitOfWork, principal: Principal) -> Person:
    return await people.create_person(uow, principal, org_id, data)


handlers = [create_org, get_org, org_people, create_person]
