"""A person as the forum shows them: display name and reputation, to those who may see them."""

from __future__ import annotations

from peerlearn.auth import Principal
from peerlearn.directory.caller import may_see_person
from peerlearn.errors import NotFound
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.adapters.store import reputation
from peerlearn_forum.adapters.store.people import known_people
from peerlearn_forum.domain.ids import is_id
from peerlearn_forum.http import schemas
from peerlearn_forum.usecases.access import caller_of


async def person_card(uow: UnitOfWork, principal: Principal | None, person_id: str) -> schemas.PersonCard:
    """Themselves, their org's people, people of cohorts they see; 404 for anyone else or unknown.

    ``reputation`` is counted only over the spaces the caller may see (the total for the
    person themselves and the platform admin).
    """
    if not is_id(person_id):
        raise NotFound(f"no person {person_id!r}")
    async with uow.reading() as tx:
        caller = await caller_of(tx.session, principal)
        person = (await known_people(tx.session, {person_id})).get(person_id)
        if person is None or not may_see_person(caller, person_id, person.org_id, person.cohort_ids):
            raise NotFound(f"no person {person_id}")
        points = await reputation.seen_by(tx.session, caller, person_id)
    return schemas.PersonCard(person_id=person_id, display_name=person.display_name, reputation=points)
