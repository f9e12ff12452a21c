"""Organisations and their people lists."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.di import Provide
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles import orgs, people
from peerlearn_profiles.access import visible_org
from peerlearn_profiles.directory import list_people
from peerlearn_profiles.domain import Forbidden, Viewer
from peerlearn_profiles.schemas import Org, OrgCreate, PeoplePage, Person, PersonCreate
from peerlearn_profiles.views import org_view, profile_view

Limit = Annotated[int, Parameter(ge=1, le=200, description="page size")]
Cursor = Annotated[
    str | None,
    Parameter(max_length=40, pattern=r"^[A-Za-z0-9_-]*$", description="next_cursor of the previous page"),
]


async def _platform_admin(viewer: Viewer) -> Viewer:
    """The caller if they are the platform admin, else 403 (a dependency, not a guard: guards run
    before the caller is looked up, and a token of an erased person must be a 401 first)."""
    if not viewer.platform_admin:
        raise Forbidden("only the platform admin may do this")
    return viewer


@post(
    "/orgs",
    dependencies={"admin": Provide(_platform_admin)},
    tags=["orgs"],
    summary="Create an organisation (platform admin)",
)
async def create_org(data: OrgCreate, db_session: AsyncSession, admin: Viewer) -> Org:
    return org_view(await orgs.create_org(db_session, admin, data))


@get("/orgs/{org_id:str}", tags=["orgs"], summary="An organisation you may know")
async def get_org(org_id: str, db_session: AsyncSession, viewer: Viewer) -> Org:
    return org_view(await visible_org(db_session, viewer, org_id))


@get("/orgs/{org_id:str}/people", tags=["people"], summary="The org's people you may see, a page at a time")
async def org_people(
    org_id: str, db_session: AsyncSession, viewer: Viewer, cursor: Cursor = None, limit: Limit = 50
) -> PeoplePage:
    return await list_people(db_session, viewer, org_id, cursor=cursor, limit=limit)


@post("/orgs/{org_id:str}/people", tags=["people"], summary="Add a person (org admin or platform admin)")
async def create_person(org_id: str, data: PersonCreate, db_session: AsyncSession, viewer: Viewer) -> Person:
    person = await people.create_person(db_session, viewer, org_id, data)
    return profile_view(person, with_email=True)


handlers = [create_org, get_org, org_people, create_person]
