"""Use cases on people: create, edit, erase, and the event that tells other services.

Each function runs in the caller's transaction and records its events in the outbox of
that same transaction, so a refused request leaves neither a change nor an event.
"""

from __future__ import annotations

from msgspec import UNSET
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events, outbox
from peerlearn.events import make_event, new_id
from peerlearn_profiles import store
from peerlearn_profiles.access import visible_person
from peerlearn_profiles.domain import (
    Conflict,
    Forbidden,
    NotFound,
    Viewer,
    check_email,
    check_roles,
    check_timezone,
    clean_name,
    clean_skills,
    email_key,
    may_edit,
)
from peerlearn_profiles.schemas import PersonCreate, PersonUpdate
from peerlearn_profiles.store import PersonRecord


def profile_of(person: PersonRecord) -> events.PersonProfile:
    """What other services may know of a person: everything but the email."""
    return events.PersonProfile(
        id=person.id,
        org_id=person.org_id,
        display_name=person.display_name,
        roles=list(person.roles),  # type: ignore[arg-type]
        bio=person.bio,
        goal=person.goal,
        timezone=person.timezone,
        weekly_hours=person.weekly_hours,
        mentor_capacity=person.mentor_capacity,
        open_to_external=person.open_to_external,
        skills=[events.Skill(name=s.name, level=s.level, wants=s.wants) for s in person.skills],
        cohort_ids=sorted(person.cohort_ids),
    )


async def announce_person(session: AsyncSession, person_id: str, actor_id: str | None) -> PersonRecord:
    """Record ``profiles.person.upserted`` with the person's full current profile, read back."""
    person = await store.get_person(session, person_id)
    assert person is not None, "announce only a person who exists in this transaction"
    await announce(session, person, actor_id)
    return person


async def announce(session: AsyncSession, person: PersonRecord, actor_id: str | None) -> PersonRecord:
    """Record ``profiles.person.upserted`` for a record that is exactly what was just written."""
    event = make_event(
        events.PersonUpserted(person=profile_of(person)), org_id=person.org_id, actor_id=actor_id
    )
    await outbox.record(session, event)
    return person


async def create_person(
    session: AsyncSession, viewer: Viewer, org_id: str, data: PersonCreate
) -> PersonRecord:
    """Add a person to the org (its admins and the platform admin may)."""
    if await store.get_org(session, org_id) is None or not (viewer.platform_admin or viewer.org_id == org_id):
        raise NotFound(f"no organisation {org_id}")
    if not viewer.administers(org_id):
        raise Forbidden("only an admin of this organisation may add people")
    stamp = store.now()
    person = PersonRecord(
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
    await insert_checked(session, person)
    return await announce(session, person, viewer.person_id)


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
    session: AsyncSession, viewer: Viewer, person_id: str, data: PersonUpdate
) -> PersonRecord:
    """Change the fields given; roles only by an admin of the person's org."""
    person, _ = await visible_person(session, viewer, person_id, lock=True)
    if not may_edit(viewer, person.id, person.org_id):
        raise Forbidden("only this person or an admin of their organisation may edit this profile")
    roles_change = data.roles is not UNSET and set(check_roles(data.roles)) != set(person.roles)
    if roles_change and not viewer.administers(person.org_id):
        raise Forbidden("only an admin of the organisation may change roles")
    changed = apply_update(person, data)
    if changed:
        key = email_key(person.email)
        owner = await store.person_id_by_email(session, person.org_id, key)
        if owner is not None and owner != person.id:
            raise Conflict(f"a person with email {person.email!r} already exists in this organisation")
        person.updated_at = store.now()
        try:
            await store.update_person(session, person, key)
        except IntegrityError:
            raise Conflict(
                f"a person with email {person.email!r} already exists in this organisation"
            ) from None
        return await announce(session, person, viewer.person_id)
    return person


def apply_update(person: PersonRecord, data: PersonUpdate) -> bool:
    """Apply the given fields to ``person`` (validated); return whether anything changed."""
    before = (
        person.display_name,
        person.email,
        list(person.roles),
        person.bio,
        person.goal,
        person.timezone,
        person.weekly_hours,
        person.mentor_capacity,
        person.open_to_external,
        list(person.skills),
    )
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
    after = (
        person.display_name,
        person.email,
        list(person.roles),
        person.bio,
        person.goal,
        person.timezone,
        person.weekly_hours,
        person.mentor_capacity,
        person.open_to_external,
        list(person.skills),
    )
    return before != after


async def erase_person(session: AsyncSession, viewer: Viewer, person_id: str) -> None:
    """Erase the person (GDPR): profile, skills and cohort memberships are gone from this service.

    Only ``profiles.person.deleted`` is published — no ``cohort.member_removed`` for their
    cohorts: the deletion implies it, and consumers drop every trace of the person on it.
    The person themselves, an admin of their org, or the platform admin may do it.
    """
    person, _ = await visible_person(session, viewer, person_id, lock=True)
    if not may_edit(viewer, person.id, person.org_id):
        raise Forbidden("only this person or an admin of their organisation may erase this profile")
    await store.delete_person(session, person.id)
    event = make_event(
        events.PersonDeleted(person_id=person.id, org_id=person.org_id),
        org_id=person.org_id,
        actor_id=viewer.person_id,
    )
    await outbox.record(session, event)


async def require_person(session: AsyncSession, person_id: str) -> PersonRecord:
    person = await store.get_person(session, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person
