"""A person's profile: read, edit, erase."""

from __future__ import annotations

from litestar import delete, get, put
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles import people
from peerlearn_profiles.access import visible_person
from peerlearn_profiles.domain import NotFound, Viewer, sight_of
from peerlearn_profiles.schemas import Person, PersonCard, PersonUpdate
from peerlearn_profiles.views import person_view, profile_view


@get("/me", tags=["people"], summary="Your own profile (the person your token names)")
async def get_me(db_session: AsyncSession, viewer: Viewer) -> Person:
    if viewer.person_id is None:
        raise NotFound("the platform admin is not a person; there is no profile to show")
    person, _ = await visible_person(db_session, viewer, viewer.person_id)
    return profile_view(person, with_email=True)


@get("/people/{person_id:str}", tags=["people"], summary="A person, as much as you may see")
async def get_person(person_id: str, db_session: AsyncSession, viewer: Viewer) -> Person | PersonCard:
    person, sight = await visible_person(db_session, viewer, person_id)
    return person_view(person, sight)


@put(
    "/people/{person_id:str}",
    tags=["people"],
    summary="Edit a profile (fields left out keep their values; roles: org admins only)",
)
async def update_person(
    person_id: str, data: PersonUpdate, db_session: AsyncSession, viewer: Viewer
) -> Person | PersonCard:
    person = await people.update_person(db_session, viewer, person_id, data)
    sight = sight_of(viewer, person.id, person.org_id, person.cohort_ids)
    assert sight is not None  # only someone who may edit gets here
    return person_view(person, sight)


@delete("/people/{person_id:str}", tags=["people"], summary="Erase a person and all their data (GDPR)")
async def delete_person(person_id: str, db_session: AsyncSession, viewer: Viewer) -> None:
    await people.erase_person(db_session, viewer, person_id)


handlers = [get_me, get_person, update_person, delete_person]
