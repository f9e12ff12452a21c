"""Use cases on cohorts shared across organisations: create, invite, accept, leave, members.

The owner org's admin creates a cohort and invites other orgs; the invited org's admin
accepts or declines; each member org's admin adds or removes only their own people.
Each public function opens one transaction of the unit of work, takes the caller as the database
knows them, and records its events in that transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.errors import Conflict, Forbidden, Invalid, NotFound
from peerlearn.events import make_event, new_id
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_profiles.adapters import cohort_store, store
from peerlearn_profiles.adapters.cohort_store import CohortRecord
from peerlearn_profiles.domain.people import clean_name
from peerlearn_profiles.domain.sight import Viewer
from peerlearn_profiles.http.schemas import Cohort, CohortCreate, Invitation, Membership
from peerlearn_profiles.usecases.access import administered_org, viewer_of, visible_person
from peerlearn_profiles.usecases.people import announce_person


async def _create_cohort(tx: Transaction, viewer: Viewer, data: CohortCreate) -> CohortRecord:
    """A new cohort owned by the caller's org (the platform admin names the owner)."""
    owner = data.owner_org_id or viewer.org_id
    if owner is None:
        raise Invalid("owner_org_id is required when the platform admin creates a cohort")
    await administered_org(tx.session, viewer, owner, to="create a cohort")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise Invalid(f"ends_on {data.ends_on} is before starts_on {data.starts_on}")
    name = clean_name(data.name, "name")
    cohort = CohortRecord(
        id=new_id(),
        name=name,
        owner_org_id=owner,
        topic=data.topic.strip(),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_at=store.now(),
        org_status={owner: "member"},
    )
    await cohort_store.insert_cohort(tx.session, cohort)
    created = events.CohortCreated(
        cohort_id=cohort.id,
        name=cohort.name,
        owner_org_id=owner,
        topic=cohort.topic,
        member_org_ids=[owner],
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    await tx.record(make_event(created, org_id=owner, actor_id=viewer.person_id))
    return cohort


async def visible_cohort(
    session: AsyncSession, viewer: Viewer, cohort_id: str, *, lock: bool = False
) -> CohortRecord:
    """The cohort if the caller's org is a member or invited (or the caller is the platform admin).
    ``lock`` (for a change) makes concurrent changes of the cohort queue behind this one."""
    cohort = await cohort_store.get_cohort(session, cohort_id, lock=lock)
    if cohort is None or not (
        viewer.platform_admin or cohort.org_status.get(viewer.org_id or "") in ("member", "invited")
    ):
        raise NotFound(f"no cohort {cohort_id}")
    return cohort


async def cohort_view(session: AsyncSession, viewer: Viewer, cohort: CohortRecord) -> Cohort:
    """The cohort as the viewer may see it: every member only for members and the platform admin."""
    if viewer.platform_admin or cohort.id in viewer.cohort_ids:
        member_ids = await cohort_store.cohort_member_ids(session, cohort.id)
    elif cohort.org_status.get(viewer.org_id or "") == "member":
        member_ids = await cohort_store.cohort_member_ids(session, cohort.id, org_id=viewer.org_id)
    else:
        member_ids = []
    return Cohort(
        id=cohort.id,
        name=cohort.name,
        owner_org_id=cohort.owner_org_id,
        topic=cohort.topic,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        member_org_ids=cohort.member_org_ids(),
        invited_org_ids=cohort.invited_org_ids(),
        member_person_ids=member_ids,
        created_at=cohort.created_at,
    )


async def _invite_org(tx: Transaction, viewer: Viewer, cohort_id: str, org_id: str) -> str:
    """Invite an org (the owner org's admin may); return its standing. Re-inviting is harmless."""
    cohort = await visible_cohort(tx.session, viewer, cohort_id, lock=True)
    if not viewer.administers(cohort.owner_org_id):
        raise Forbidden("only an admin of the cohort's owner organisation may invite")
    if await store.get_org(tx.session, org_id) is None:
        raise NotFound(f"no organisation {org_id}")
    status = cohort.org_status.get(org_id)
    if status == "member":
        raise Conflict(f"organisation {org_id} is already a member of this cohort")
    if status != "invited":
        await cohort_store.set_org_status(tx.session, cohort.id, org_id, "invited")
    return "invited"


async def _answer_invitation(
    tx: Transaction, viewer: Viewer, cohort_id: str, org_id: str, *, accept: bool
) -> str:
    """The invited org's admin accepts (the org joins) or declines; return its standing."""
    cohort = await visible_cohort(tx.session, viewer, cohort_id, lock=True)
    if not viewer.administers(org_id):
        raise Forbidden("only an admin of the invited organisation may answer its invitation")
    status = cohort.org_status.get(org_id)
    if accept and status == "member":
        return "member"  # a retried accept changes nothing
    if status != "invited":
        raise Conflict(f"organisation {org_id} has no pending invitation to this cohort")
    if not accept:
        await cohort_store.set_org_status(tx.session, cohort.id, org_id, "declined")
        return "declined"
    await cohort_store.set_org_status(tx.session, cohort.id, org_id, "member")
    joined = events.CohortOrgJoined(cohort_id=cohort.id, org_id=org_id)
    await tx.record(make_event(joined, org_id=org_id, actor_id=viewer.person_id))
    return "member"


async def _leave_cohort(tx: Transaction, viewer: Viewer, cohort_id: str, org_id: str) -> None:
    """The org leaves (its admin, or the owner's admin, removes it); its people stop being members.

    Publishes ``profiles.cohort.org_left``, then ``member_removed`` and a fresh
    ``person.upserted`` for each of its people. A pending invitation is simply withdrawn.
    """
    cohort = await visible_cohort(tx.session, viewer, cohort_id, lock=True)
    if not (viewer.administers(org_id) or viewer.administers(cohort.owner_org_id)):
        raise Forbidden("only an admin of that organisation or of the owner may remove it from the cohort")
    if org_id == cohort.owner_org_id:
        raise Conflict("the owner organisation cannot leave its own cohort")
    status = cohort.org_status.get(org_id)
    if status == "invited":
        await cohort_store.set_org_status(tx.session, cohort.id, org_id, "declined")
        return
    if status != "member":
        raise NotFound(f"organisation {org_id} is not a member of this cohort")
    await cohort_store.set_org_status(tx.session, cohort.id, org_id, "left")
    left = events.CohortOrgLeft(cohort_id=cohort.id, org_id=org_id)
    await tx.record(make_event(left, org_id=org_id, actor_id=viewer.person_id))
    for person_id in await cohort_store.cohort_member_ids(tx.session, cohort.id, org_id=org_id):
        await _remove(tx, viewer, cohort.id, person_id, org_id)


async def _add_member(tx: Transaction, viewer: Viewer, cohort_id: str, person_id: str) -> tuple[str, bool]:
    """Add a person of the caller's own org; return (their org, whether they were added now)."""
    cohort = await visible_cohort(tx.session, viewer, cohort_id, lock=True)
    person, _ = await visible_person(tx.session, viewer, person_id, lock=True)
    if not viewer.administers(person.org_id):
        raise Forbidden("an org admin may add only people of their own organisation")
    if cohort.org_status.get(person.org_id) != "member":
        raise Conflict(f"organisation {person.org_id} has not joined this cohort")
    added = await cohort_store.add_member(tx.session, cohort.id, person.id, person.org_id)
    if added:
        event = events.CohortMemberAdded(cohort_id=cohort.id, person_id=person.id, org_id=person.org_id)
        await tx.record(make_event(event, org_id=person.org_id, actor_id=viewer.person_id))
        await announce_person(tx, person.id, viewer.person_id)
    return person.org_id, added


async def _remove_member(tx: Transaction, viewer: Viewer, cohort_id: str, person_id: str) -> None:
    """Remove a person (their org's admin, or they themselves)."""
    cohort = await visible_cohort(tx.session, viewer, cohort_id, lock=True)
    person, _ = await visible_person(tx.session, viewer, person_id, lock=True)
    if not (viewer.administers(person.org_id) or viewer.person_id == person.id):
        raise Forbidden("an org admin may remove only people of their own organisation")
    if cohort.id not in person.cohort_ids:
        raise NotFound(f"person {person_id} is not a member of cohort {cohort_id}")
    await _remove(tx, viewer, cohort.id, person.id, person.org_id)


async def _remove(tx: Transaction, viewer: Viewer, cohort_id: str, person_id: str, org_id: str) -> None:
    await cohort_store.remove_member(tx.session, cohort_id, person_id)
    event = events.CohortMemberRemoved(cohort_id=cohort_id, person_id=person_id, org_id=org_id)
    await tx.record(make_event(event, org_id=org_id, actor_id=viewer.person_id))
    await announce_person(tx, person_id, viewer.person_id)


# --- the use cases: one transaction each --------------------------------------------------


async def create_cohort(uow: UnitOfWork, principal: Principal, data: CohortCreate) -> Cohort:
    """A new cohort owned by the caller's org (the platform admin names the owner)."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        cohort = await _create_cohort(tx, viewer, data)
        return await cohort_view(tx.session, viewer, cohort)


async def list_cohorts(uow: UnitOfWork, principal: Principal) -> list[Cohort]:
    """Cohorts the caller's org is in or invited to (all of them for the platform admin)."""
    async with uow.reading() as tx:
        viewer = await viewer_of(tx.session, principal)
        if viewer.platform_admin:
            ids = await cohort_store.all_cohort_ids(tx.session)
        elif viewer.org_id is None:
            ids = []
        else:
            ids = await cohort_store.visible_cohort_ids(tx.session, viewer.org_id)
        found = []
        for cohort_id in ids:
            cohort = await visible_cohort(tx.session, viewer, cohort_id)
            found.append(await cohort_view(tx.session, viewer, cohort))
        return found


async def read_cohort(uow: UnitOfWork, principal: Principal, cohort_id: str) -> Cohort:
    """A cohort: its orgs, and its members to its members."""
    async with uow.reading() as tx:
        viewer = await viewer_of(tx.session, principal)
        return await cohort_view(tx.session, viewer, await visible_cohort(tx.session, viewer, cohort_id))


async def invite_org(uow: UnitOfWork, principal: Principal, cohort_id: str, org_id: str) -> Invitation:
    """Invite an org (the owner org's admin may). Re-inviting is harmless."""
    async with uow.writing() as tx:
        status = await _invite_org(tx, await viewer_of(tx.session, principal), cohort_id, org_id)
    return Invitation(cohort_id=cohort_id, org_id=org_id, status=status)  # type: ignore[arg-type]


async def answer_invitation(
    uow: UnitOfWork, principal: Principal, cohort_id: str, org_id: str, *, accept: bool
) -> Invitation:
    """The invited org's admin accepts (the org joins) or declines."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        status = await _answer_invitation(tx, viewer, cohort_id, org_id, accept=accept)
    return Invitation(cohort_id=cohort_id, org_id=org_id, status=status)  # type: ignore[arg-type]


async def leave_cohort(uow: UnitOfWork, principal: Principal, cohort_id: str, org_id: str) -> None:
    """The org leaves the cohort; its people stop being members (see :func:`_leave_cohort`)."""
    async with uow.writing() as tx:
        await _leave_cohort(tx, await viewer_of(tx.session, principal), cohort_id, org_id)


async def add_member(
    uow: UnitOfWork, principal: Principal, cohort_id: str, person_id: str
) -> tuple[Membership, bool]:
    """Add a person of the caller's own org; the membership and whether they were added now."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        org_id, added = await _add_member(tx, viewer, cohort_id, person_id)
    return Membership(cohort_id=cohort_id, person_id=person_id, org_id=org_id), added


async def remove_member(uow: UnitOfWork, principal: Principal, cohort_id: str, person_id: str) -> None:
    """Remove a person (their org's admin, or they themselves)."""
    async with uow.writing() as tx:
        await _remove_member(tx, await viewer_of(tx.session, principal), cohort_id, person_id)
