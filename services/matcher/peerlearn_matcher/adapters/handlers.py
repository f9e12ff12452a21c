"""Event handlers of the matcher, kept as data: ``{subject: handler}``.

Each handler runs inside the transaction that also marks the event processed (so a
redelivered event is skipped), updates the read model in SQL and in memory, and returns
the :class:`~peerlearn_matcher.live.Effects` — whose suggestions and which questions'
answerers to recompute. Person upserts carry their event time: an older one delivered late
never overwrites a newer profile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn_matcher import models as m
from peerlearn_matcher import store
from peerlearn_matcher.engine import Cohort
from peerlearn_matcher.live import Effects, LiveMatcher, _snapshot_values
from peerlearn_matcher.threads import ThreadRecord

Handler = Callable[[LiveMatcher, AsyncSession, events.Event], Awaitable[Effects]]

COHORT_FANOUT = 50  # members of a cohort refreshed when someone joins or leaves it


async def on_org_created(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.OrgCreated)
    await store.put_org(session, data.org_id, data.name, data.kind)
    return Effects()


async def on_person_upserted(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.PersonUpserted)
    person = data.person
    engine = live.require_engine()
    last = await store.person_updated_at(session, person.id)
    if last is not None and last > event.occurred_at:
        return Effects()  # a newer profile is already applied
    await store.put_person(session, person, event.occurred_at)
    await store.set_memberships(session, person.id, person.org_id, person.cohort_ids)
    for members in engine.members.values():
        members.discard(person.id)
    for cohort_id in person.cohort_ids:
        engine.members[cohort_id].add(person.id)
    record, offer, need = await live.build_person(person)
    engine.put_person(record, offer, need)
    await store.put_vector(session, person.id, "offer", live.model_name, offer)
    await store.put_vector(session, person.id, "need", live.model_name, need)
    fanout = live.settings.refresh_fanout
    # Now: their own list, and the lists showing them (their consent or reasons may have changed).
    now = {person.id, *await store.people_suggested(session, person.id)}
    # Soon: people they may now suit, refreshed in the background (coalesced under load).
    later = set(engine.interested_in(person.id, fanout))
    later |= set(sorted(engine.members_of(person.cohort_ids))[:COHORT_FANOUT])
    return Effects(people=now, later=later - now)


async def on_person_deleted(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.PersonDeleted)
    engine = live.require_engine()
    person_id = data.person_id
    engine.remove_person(person_id)
    live.signatures.pop(person_id, None)
    live.feed.close_person(person_id)
    for thread in engine.threads.values():
        if thread.accepted_author_id == person_id:
            thread.accepted_author_id = None
    table = m.suggestions
    rerouted = set(
        (
            await session.execute(
                sa.select(table.c.thread_id).where(
                    table.c.person_id == person_id, table.c.kind == "answerer", table.c.status == "open"
                )
            )
        ).scalars()
    )
    affected = set(await store.people_suggested(session, person_id))
    await store.delete_person(session, person_id)
    affected.discard(person_id)
    return Effects(people=affected, threads={t for t in rerouted if t})


async def on_cohort_created(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.CohortCreated)
    engine = live.require_engine()
    await store.put_cohort(session, data.cohort_id, data.name, data.owner_org_id, data.topic)
    orgs = {data.owner_org_id, *data.member_org_ids}
    for org_id in orgs:
        await store.set_cohort_org(session, data.cohort_id, org_id, True)
    cohort = engine.cohorts.setdefault(data.cohort_id, Cohort(data.cohort_id, data.name, data.owner_org_id))
    cohort.name, cohort.topic = data.name, data.topic
    cohort.orgs |= orgs
    return Effects()


async def on_cohort_org(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.CohortOrgJoined | events.CohortOrgLeft)
    joined = isinstance(data, events.CohortOrgJoined)
    await store.set_cohort_org(session, data.cohort_id, data.org_id, joined)
    cohort = live.require_engine().cohorts.get(data.cohort_id)
    if cohort is not None:
        if joined:
            cohort.orgs.add(data.org_id)
        else:
            cohort.orgs.discard(data.org_id)
    return Effects()


async def on_cohort_member(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.CohortMemberAdded | events.CohortMemberRemoved)
    added = isinstance(data, events.CohortMemberAdded)
    engine = live.require_engine()
    await store.set_member(session, data.cohort_id, data.person_id, data.org_id, added)
    engine.set_membership(data.cohort_id, data.person_id, added)
    now = {data.person_id}
    rerouted: set[str] = set()
    if not added:
        # Whoever had them suggested through this cohort may no longer see them: fix it now.
        now |= set(await store.people_suggested(session, data.person_id))
        # Questions of the cohort's spaces they were routed to are no longer theirs to see.
        table = m.suggestions
        routed = (
            await session.execute(
                sa.select(table.c.thread_id).where(
                    table.c.person_id == data.person_id, table.c.kind == "answerer", table.c.status == "open"
                )
            )
        ).scalars()
        rerouted = {
            t for t in routed if t in engine.threads and engine.threads[t].cohort_id == data.cohort_id
        }
    later = set(sorted(engine.members_of([data.cohort_id]))[:COHORT_FANOUT]) - now
    return Effects(people=now, later=later, threads=rerouted)


async def on_thread(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.ThreadSnapshot)
    engine = live.require_engine()
    thread = ThreadRecord(**_snapshot_values(data))
    before = engine.threads.get(thread.id)
    if before is not None and before.accepted_post_id == thread.accepted_post_id:
        thread.accepted_author_id = before.accepted_author_id
    thread.vector = (await live.encoder.aencode([thread.text()]))[0]
    engine.put_thread(thread)
    await store.put_thread(
        session,
        {
            "id": thread.id,
            "space_id": thread.space_id,
            "visibility": thread.visibility,
            "org_id": thread.org_id,
            "cohort_id": thread.cohort_id,
            "author_id": thread.author_id,
            "kind": thread.kind,
            "title": thread.title,
            "body": thread.body,
            "tags": thread.tags,
            "accepted_post_id": thread.accepted_post_id,
            "accepted_author_id": thread.accepted_author_id,
            "created_at": data.created_at,
        },
    )
    await store.put_vector(session, thread.id, "thread", live.model_name, thread.vector)
    return Effects(threads={thread.id} if thread.kind == "question" else set())


async def on_thread_deleted(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.ThreadDeleted)
    engine = live.require_engine()
    table = m.suggestions
    touched = set(
        (
            await session.execute(sa.select(table.c.person_id).where(table.c.thread_id == data.thread_id))
        ).scalars()
    )
    engine.remove_thread(data.thread_id)
    await store.delete_thread(session, data.thread_id)
    return Effects(republish=touched)


async def on_post_created(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.PostCreated)
    await store.put_post(session, data.post_id, data.thread_id, data.author_id)
    live.require_engine().posts[data.post_id] = (data.thread_id, data.author_id)
    return Effects()


async def on_post_deleted(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.PostDeleted)
    await store.delete_post(session, data.post_id)
    live.require_engine().posts.pop(data.post_id, None)
    return Effects()


async def on_answer_accepted(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.AnswerAccepted)
    engine = live.require_engine()
    thread = engine.threads.get(data.thread_id)
    previous = thread.accepted_author_id if thread is not None else None
    if thread is not None:
        thread.accepted_post_id = data.post_id
        thread.accepted_author_id = data.answer_author_id
    await store.set_accepted(session, data.thread_id, data.post_id, data.answer_author_id)
    await store.put_post(session, data.post_id, data.thread_id, data.answer_author_id)
    engine.posts[data.post_id] = (data.thread_id, data.answer_author_id)
    affected: set[str] = set()
    for author in {data.answer_author_id, previous} - {None}:
        record = engine.people.records.get(author)  # type: ignore[arg-type]
        if record is None:
            continue
        # Their answered topics changed, so their offer did: re-place them in the index.
        rebuilt, offer, need = await live.build_person(record.profile)
        engine.put_person(rebuilt, offer, need)
        await store.put_vector(session, rebuilt.id, "offer", live.model_name, offer)
        affected |= set(await store.people_suggested(session, rebuilt.id))
    return Effects(later=affected, threads={data.thread_id})


async def on_feedback(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    """Only a rebuild consumes the matcher's own feedback events: they restore declines and capacity."""
    data = event.data
    assert isinstance(data, events.SuggestionFeedback)
    engine = live.require_engine()
    if data.person_id not in engine.people or data.candidate_id not in engine.people:
        return Effects()
    engine.record_feedback(data.person_id, data.candidate_id, data.kind, data.action)
    await store.upsert(
        session,
        m.feedback,
        {
            "suggestion_id": data.suggestion_id,
            "person_id": data.person_id,
            "candidate_id": data.candidate_id,
            "kind": data.kind,
            "action": data.action,
            "rating": data.rating,
            "features": store._reasons.encode(list(data.features)),
            "created_at": event.occurred_at,
        },
        ["suggestion_id"],
    )
    return Effects()


async def ignore(live: LiveMatcher, session: AsyncSession, event: events.Event) -> Effects:
    """Events the matcher has no use for (yet) are acknowledged and marked processed."""
    return Effects()


HANDLERS: dict[str, Handler] = {
    events.ORG_CREATED: on_org_created,
    events.PERSON_UPSERTED: on_person_upserted,
    events.PERSON_DELETED: on_person_deleted,
    events.COHORT_CREATED: on_cohort_created,
    events.COHORT_ORG_JOINED: on_cohort_org,
    events.COHORT_ORG_LEFT: on_cohort_org,
    events.COHORT_MEMBER_ADDED: on_cohort_member,
    events.COHORT_MEMBER_REMOVED: on_cohort_member,
    events.THREAD_CREATED: on_thread,
    events.THREAD_UPDATED: on_thread,
    events.THREAD_DELETED: on_thread_deleted,
    events.POST_CREATED: on_post_created,
    events.POST_UPDATED: ignore,
    events.POST_DELETED: on_post_deleted,
    events.POST_VOTED: ignore,
    events.ANSWER_ACCEPTED: on_answer_accepted,
}

# The matcher's own stream: replayed by `peerlearn matcher rebuild` only.
REBUILD_HANDLERS: dict[str, Handler] = {**HANDLERS, events.SUGGESTION_FEEDBACK: on_feedback}
