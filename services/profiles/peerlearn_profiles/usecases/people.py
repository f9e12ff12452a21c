"""Use cases on people: read, create, edit, erase, and the event that tells other services.

Each opens one transaction of the unit of work and records its events in the outbox of that
same transaction, so a refused request leaves neither a change nor an event.
"""

from __future__ import annotations

import msgspec
from msgspec import UNSET
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.errors import Conflict, Forbidden, NotFound
from peerlearn.events import make_event, new_id
from peerlearn.events.contacts import ContactUpdated
from peerlearn.loop_reads import reading
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_profiles.adapters import store
from peerlearn_profiles.adapters.store import PersonRecord
from peerlearn_profiles.domain.people import (
    check_email,
    check_roles,
    check_timezone,
    clean_name,
    clean_skills,
    email_key,
)
from peerlearn_profiles.domain.sight import may_edit, sight_of
from peerlearn_profiles.http.schemas import Person, PersonCard, PersonCreate, PersonUpdate
from peerlearn_profiles.http.views import person_view, profile_view
from peerlearn_profiles.usecases.access import administered_org, viewer_of, visible_person


def profile_of(person: PersonRecord) -> events.PersonProfile:
    """What other services may know of a person: everything but the email."""
    profile = msgspec.convert(person, events.PersonProfile, from_attributes=True)
    return msgspec.structs.replace(profile, cohort_ids=sorted(person.cohort_ids))


async def announce_person(tx: Transaction, person_id: str, actor_id: str | None) -> PersonRecord:
    """Record ``profiles.person.upserted`` with the person's full current profile, read back."""
    person = await store.get_person(tx.session, person_id)
    assert person is not None, "announce only a person who exists in this transaction"
    await announce(tx, person, actor_id)
    return person


async def announce(tx: Transaction, person: PersonRecord, actor_id: str | None) -> PersonRecord:
    """Record ``profiles.person.upserted`` for a record that is exactly what was just written."""
    event = make_event(
        events.PersonUpserted(person=profile_of(person)), org_id=person.org_id, actor_id=actor_id
    )
    await tx.record(event)
    return person


async def tell_contact(tx: Transaction, person: PersonRecord, actor_id: str | None) -> None:
    """Record ``contacts.person.updated`` (the CONTACTS stream, read by notify alone) with the
    person's current address; the caller records it only when the address is new or changed."""
    data = ContactUpdated(person_id=person.id, org_id=person.org_id, email=person.email)
    await tx.record(make_event(data, org_id=person.org_id, actor_id=actor_id))


async def my_profile(uow: UnitOfWork, principal: Principal) -> Person:
    """The caller's own profile, with their email (the platform admin is no person: 404)."""
    async with reading(uow) as session:
        viewer = await viewer_of(session, principal)
        if viewer.person_id is None:
            raise NotFound("the platform admin is not a person; there is no profile to show")
        person, _ = await visible_person(session, viewer, viewer.person_id)
    return profile_view(person, with_email=True)


async def read_person(uow: UnitOfWork, principal: Principal, person_id: str) -> Person | PersonCard:
    """A person as much as the caller may see them; 404 when not at all."""
    async with reading(uow) as session:
        viewer = await viewer_of(session, principal)
        person, sight = await visible_person(session, viewer, person_id)
    return person_view(person, sight)


async def create_person(uow: UnitOfWork, principal: Principal, org_id: str, data: PersonCreate) -> Person:
    """Add a person to the org (its admins and the platform admin may)."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        session = tx.session
        await administered_org(session, viewer, org_id, to="add people")
        person = _new_person(org_id, data)
        await insert_checked(session, person)
        await announce(tx, person, viewer.person_id)
        await tell_contact(tx, person, viewer.person_id)
    return profile_view(person, with_email=True)


def _new_person(org_id: str, data: PersonCreate) -> PersonRecord:
    stamp = store.now()
    return PersonRecord(
        id=new_id(),
        org_id=org_id,
        display_name=clean_name(data.display_name),
        email=check_email(data.email),
        roles=check_roles(data.roles or ["learner"]),
        bio=data.bio.strip(),
        goal=data.goal.strip(),
        timezone=check_timezone(data.timezone),
        weekly_hours=data.weekly_hours,
        mentor_capacity=data.mentor_capacity,
        open_to_external=data.open_to_external,
        created_at=stamp,
        updated_at=stamp,
        skills=clean_skills((s.name, s.level, s.wants) for s in data.skills),
    )


async def insert_checked(session: AsyncSession, person: PersonRecord) -> None:
    """Insert the person, answering 409 when the email is taken in the org."""
    key = email_key(person.email)
    if await store.person_id_by_email(session, person.org_id, key) is not None:
        raise Conflict(f"a person with email {person.email!r} already exists in this organisation")
    try:
        await store.insert_person(session, person, key)
    except IntegrityError:  # a concurrent insert won the race
        raise Conflict(f"a person with email {person.email!r} already exists in this organisation") from None


async def update_person(
    uow: UnitOfWork, principal: Principal, person_id: str, data: PersonUpdate
) -> Person | PersonCard:
    """Change the fields given; roles only by an admin of the person's org."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        person, _ = await visible_person(tx.session, viewer, person_id, lock=True)
        if not may_edit(viewer, person.id, person.org_id):
            raise Forbidden("only this person or an admin of their organisation may edit this profile")
        roles_change = data.roles is not UNSET and set(check_roles(data.roles)) != set(person.roles)
        if roles_change and not viewer.administers(person.org_id):
            raise Forbidden("only an admin of the organisation may change roles")
        email_before = person.email
        if apply_update(person, data):
            await _store_update(tx.session, person)
            await announce(tx, person, viewer.person_id)
            if person.email != email_before:
                await tell_contact(tx, person, viewer.person_id)
    sight = sight_of(viewer, person.id, person.org_id, person.cohort_ids)
    assert sight is not None  # only someone who may edit gets here
    return person_view(person, sight)


async def _store_update(session: AsyncSession, person: PersonRecord) -> None:
    key = email_key(person.email)
    owner = await store.person_id_by_email(session, person.org_id, key)
    if owner is not None and owner != person.id:
        raise Conflict(f"a person with email {person.email!r} already exists in this organisation")
    person.updated_at = store.now()
    try:
        await store.update_person(session, person, key)
    except IntegrityError:
        raise Conflict(f"a person with email {person.email!r} already exists in this organisation") from None


_EDITABLE = (
    "display_name", "email", "roles", "bio", "goal", "timezone",
    "weekly_hours", "mentor_capacity", "open_to_external", "skills",
)  # fmt: skip


def apply_update(person: PersonRecord, data: PersonUpdate) -> bool:
    """Apply the given fields to ``person`` (validated); return whether anything changed."""
    before = [list(value) if isinstance(value, list) else value for value in _values(person)]
    if data.display_name is not UNSET:
        person.display_name = clean_name(data.display_name)
    if data.email is not UNSET:
        person.email = check_email(data.email)
    if data.roles is not UNSET:
        person.roles = check_roles(data.roles)
    if data.bio is not UNSET:
        person.bio = data.bio.strip()
    if data.goal is not UNSET:
        person.goal = data.goal.strip()
    if data.timezone is not UNSET:
        person.timezone = check_timezone(data.timezone)
    if data.weekly_hours is not UNSET:
        person.weekly_hours = data.weekly_hours
    if data.mentor_capacity is not UNSET:
        person.mentor_capacity = data.mentor_capacity
    if data.open_to_external is not UNSET:
        person.open_to_external = data.open_to_external
    if data.skills is not UNSET:
        person.skills = clean_skills((s.name, s.level, s.wants) for s in data.skills)
    return before != _values(person)


def _values(person: PersonRecord) -> list[object]:
    return [getattr(person, name) for name in _EDITABLE]


async def erase_person(uow: UnitOfWork, principal: Principal, person_id: str) -> None:
    """Erase the person (GDPR): profile, skills, cohort memberships and sign-in codes are gone.

    Only ``profiles.person.deleted`` is published — no ``cohort.member_removed`` for their
    cohorts: the deletion implies it, and consumers drop every trace of the person on it —
    and, on CONTACTS, their contact without an address.
    The person themselves, an admin of their org, or the platform admin may do it.
    """
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        person, _ = await visible_person(tx.session, viewer, person_id, lock=True)
        if not may_edit(viewer, person.id, person.org_id):
            raise Forbidden("only this person or an admin of their organisation may erase this profile")
        await store.delete_person(tx.session, person.id)
        event = make_event(
            events.PersonDeleted(person_id=person.id, org_id=person.org_id),
            org_id=person.org_id,
            actor_id=viewer.person_id,
        )
        await tx.record(event)
        # Their contact without an address replaces the newest one on CONTACTS (one message per
        # person there): the stream keeps no erased person's address.
        gone = ContactUpdated(person_id=person.id, org_id=person.org_id, email=None)
        await tx.record(make_event(gone, org_id=person.org_id, actor_id=viewer.person_id))
