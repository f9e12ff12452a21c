"""A person's profile: read, edit, erase."""

from __future__ import annotations

from litestar import Response, delete, get, put

from peerlearn.auth import Principal
from peerlearn.cached_reads import cached_for_reader
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.http.schemas import Person, PersonCard, PersonUpdate
from peerlearn_profiles.usecases import people


@get("/me", tags=["people"], summary="Your own profile (the person your token names)")
async def get_me(uow: UnitOfWork, principal: Principal) -> Response[Person]:
    # Per reader and content version (``peerlearn.cached_reads``): every write to a profile, an
    # org or a cohort starts a new version, so the answer is never stale and never another's.
    return await cached_for_reader(
        uow, principal, ("me",), lambda _version: people.my_profile(uow, principal)
    )


@get("/people/{person_id:str}", tags=["people"], summary="A person, as much as you may see")
async def get_person(person_id: str, uow: UnitOfWork, principal: Principal) -> Response[Person | PersonCard]:
    return await cached_for_reader(
        uow, principal, ("person", person_id), lambda _version: people.read_person(uow, principal, person_id)
    )


@put(
    "/people/{person_id:str}",
    tags=["people"],
    summary="Edit a profile (fields left out keep their values; roles: org admins only)",
)
async def update_person(
    person_id: str, data: PersonUpdate, uow: UnitOfWork, principal: Principal
) -> Person | PersonCard:
    return await people.update_person(uow, principal, person_id, data)


@delete("/people/{person_id:str}", tags=["people"], summary="Erase a person and all their data (GDPR)")
async def delete_person(person_id: str, uow: UnitOfWork, principal: Principal) -> None:
    await people.erase_person(uow, principal, person_id)


handlers = [get_me, get_person, update_person, delete_person]
