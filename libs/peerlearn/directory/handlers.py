"""The directory's event handlers: profiles' facts applied under the directory's rules.

A consuming service registers them with :func:`peerlearn.consuming.consumers_for`, beside its
own. A service that must do more on a fact (the forum un-counts an erased person's votes, the
matcher re-embeds a changed profile) passes a follow-up for that subject; it runs in the same
transaction, after the directory applied the fact, and is told whether anything changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from peerlearn import events
from peerlearn.consuming import Apply
from peerlearn.directory.store import DirectoryStore
from peerlearn.unit_of_work import Transaction

# A follow-up gets the transaction, the event and whether the directory changed anything.
FollowUp = Callable[[Transaction, events.Event, bool], Awaitable[None]]

SUBJECTS = (
    events.PERSON_UPSERTED,
    events.PERSON_DELETED,
    events.COHORT_CREATED,
    events.COHORT_ORG_JOINED,
    events.COHORT_ORG_LEFT,
    events.COHORT_MEMBER_ADDED,
    events.COHORT_MEMBER_REMOVED,
)


async def apply_fact(store: DirectoryStore, tx: Transaction, event: events.Event) -> bool:
    """Apply one of profiles' facts to the directory; True when it changed something."""
    data, at, session = event.data, event.occurred_at, tx.session
    if isinstance(data, events.PersonUpserted):
        person = data.person
        applied = await store.upsert_person(
            session, person.id, person.org_id, person.display_name, list(person.roles), at
        )
        if applied:
            await store.seed_memberships(session, person.id, person.org_id, list(person.cohort_ids), at)
        return applied
    if isinstance(data, events.PersonDeleted):
        await store.erase_person(session, data.person_id, data.org_id, at)
        return True
    if isinstance(data, events.CohortCreated):
        await store.ensure_cohort(session, data.cohort_id, data.name, data.owner_org_id)
        for org_id in sorted({data.owner_org_id, *data.member_org_ids}):
            await store.set_cohort_org(session, data.cohort_id, org_id, True, at)
        return True
    if isinstance(data, events.CohortOrgJoined):
        await store.ensure_cohort(session, data.cohort_id, "", data.org_id)
        await store.set_cohort_org(session, data.cohort_id, data.org_id, True, at)
        return True
    if isinstance(data, events.CohortOrgLeft):
        await store.set_cohort_org(session, data.cohort_id, data.org_id, False, at)
        await store.end_org_memberships(session, data.cohort_id, data.org_id, at)
        return True
    if isinstance(data, events.CohortMemberAdded | events.CohortMemberRemoved):
        active = isinstance(data, events.CohortMemberAdded)
        return await store.set_membership(session, data.cohort_id, data.person_id, data.org_id, active, at)
    return False


def directory_handlers(
    store: DirectoryStore, follow_ups: Mapping[str, FollowUp] | None = None
) -> dict[str, Apply]:
    """``{subject: handler}`` for every profiles fact the directory keeps, with the follow-ups."""
    follow_ups = follow_ups or {}
    unknown = set(follow_ups) - set(SUBJECTS)
    if unknown:
        raise ValueError(f"follow-ups for subjects the directory does not handle: {sorted(unknown)}")

    def handler_for(subject: str) -> Apply:
        follow_up = follow_ups.get(subject)

        async def handle(tx: Transaction, event: events.Event) -> None:
            changed = await apply_fact(store, tx, event)
            if follow_up is not None:
                await follow_up(tx, event, changed)

        handle.__name__ = f"directory_{subject.rsplit('.', 1)[-1]}"
        return handle

    return {subject: handler_for(subject) for subject in SUBJECTS}
