"""What the matcher does when a fact arrives: its event handlers, as data (``{subject: handler}``).

Each handler is ``async (tx, event) -> None`` and runs in the transaction that also marks the
event applied (so a redelivered event changes nothing). Profiles' facts (identity, roles,
erasure, memberships) go to the library's directory first
(:func:`peerlearn.directory.directory_handlers`); the matcher's follow-ups then do its own
work in the same transaction: re-embedding a changed profile, erasing a person's matching data,
re-routing questions when someone leaves a cohort, and refreshing whose suggestions changed.
The forum's facts (threads, posts, accepted answers) are the matcher's own read model. The
same handlers, through the same :func:`handle` (texts encoded first, one event at a time,
:func:`peerlearn.consuming.apply_once`), serve the live consumers and ``peerlearn matcher rebuild``;
the live consumers first :func:`prepare` each fetched batch (its texts encoded in one go).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from peerlearn import events
from peerlearn.consuming import Apply, Handlers, apply_once
from peerlearn.directory.handlers import FollowUp, directory_handlers
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters import store, tables
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.domain.threads import ThreadRecord
from peerlearn_matcher.usecases import mentorship_endings
from peerlearn_matcher.usecases.matcher import Effects, Matcher
from peerlearn_matcher.usecases.suggestions import apply_effects

COHORT_FANOUT = 50  # members of a cohort refreshed when someone joins or leaves it

Own = Callable[[Matcher, Transaction, events.Event], Awaitable[Effects]]
FollowUpOf = Callable[[Matcher, Transaction, events.Event, bool], Awaitable[Effects]]


# --- follow-ups of profiles' facts (after the directory applied them) ----------------------


async def person_changed(matcher: Matcher, tx: Transaction, event: events.Event, changed: bool) -> Effects:
    """Re-embed a changed profile and refresh the lists that show the person."""
    data = event.data
    assert isinstance(data, events.PersonUpserted)
    if not changed:
        return Effects()  # an older profile than the one applied, or an erased person
    person = data.person
    index, engine = matcher.index, matcher.index.engine
    await index.changed(tx, "person", person.id)
    await store.put_profile(tx.session, person, event.occurred_at)
    engine.set_cohorts_of(person.id, await matcher.directory.active_cohorts_of(tx.session, person.id))
    offer, need = await index.place_person(person)
    await store.put_vector(tx.session, person.id, "offer", index.model_name, offer)
    await store.put_vector(tx.session, person.id, "need", index.model_name, need)
    # Now: their own list, and the lists showing them (their consent or reasons may have changed).
    now = {person.id, *await suggested.people_suggested(tx.session, person.id)}
    # Soon: people they may now suit, refreshed in the background (coalesced under load).
    later = set(engine.interested_in(person.id, matcher.settings.refresh_fanout))
    later |= set(sorted(engine.members_of(engine.cohorts_of(person.id)))[:COHORT_FANOUT])
    return Effects(people=now, later=later - now)


async def person_erased(matcher: Matcher, tx: Transaction, event: events.Event, changed: bool) -> Effects:
    """Drop every trace of an erased person; re-route the questions they were to answer."""
    data = event.data
    assert isinstance(data, events.PersonDeleted)
    person_id = data.person_id
    engine = matcher.index.engine
    await matcher.index.changed(tx, "person", person_id)
    engine.remove_person(person_id)
    matcher.index.signatures.pop(person_id, None)
    for thread in engine.threads.values():
        if thread.accepted_author_id == person_id:
            thread.accepted_author_id = None
    rerouted = await suggested.routed_threads(tx.session, person_id)
    affected = set(await suggested.people_suggested(tx.session, person_id)) - {person_id}
    # Their mentorships end and their sessions' notes go (issue 12).
    affected |= await mentorship_endings.end_for_erased(matcher, tx, person_id)
    await store.erase_matching_data(tx.session, person_id)
    tx.after_commit(lambda: matcher.feed.close_person(person_id))
    return Effects(people=affected, threads=rerouted)


async def cohort_named(matcher: Matcher, tx: Transaction, event: events.Event, changed: bool) -> Effects:
    """Keep the cohort's name for the reasons people read ("you are both in cohort …")."""
    data = event.data
    assert isinstance(data, events.CohortCreated)
    matcher.index.engine.cohort_names[data.cohort_id] = data.name
    return await members_changed(matcher, tx, event, changed)  # it logs the cohort


async def members_changed(matcher: Matcher, tx: Transaction, event: events.Event, changed: bool) -> Effects:
    """Mirror the cohort's members as the directory has them now; fix what a departure exposes."""
    cohort_id: str = event.data.cohort_id  # type: ignore[attr-defined]
    engine = matcher.index.engine
    members = await store.active_members(tx.session, cohort_id)
    await matcher.index.changed(tx, "cohort", cohort_id)
    moved = engine.set_members(cohort_id, members)
    left = moved - members
    now = set(moved)
    rerouted: set[str] = set()
    for person_id in sorted(left):
        # Whoever had them suggested through this cohort may no longer see them: fix it now.
        now |= set(await suggested.people_suggested(tx.session, person_id))
        # Cross-org mentorships this cohort alone allowed end (issue 12).
        now |= await mentorship_endings.end_for_cohort_left(matcher, tx, person_id)
        # Questions of the cohort's spaces they were routed to are no longer theirs to see.
        rerouted |= {
            t
            for t in await suggested.routed_threads(tx.session, person_id)
            if t in engine.threads and engine.threads[t].cohort_id == cohort_id
        }
    later = set(sorted(members)[:COHORT_FANOUT]) - now if moved else set()
    return Effects(people=now, later=later, threads=rerouted)


# --- the forum's facts and the org list: the matcher's own read model -----------------------


async def org_created(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.OrgCreated)
    await store.put_org(tx.session, data.org_id, data.name, data.kind)
    return Effects()


async def thread_written(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    """A new or edited thread: embedded, stored, and (a question) routed to answerers."""
    data = event.data
    assert isinstance(data, events.ThreadSnapshot)
    index, engine = matcher.index, matcher.index.engine
    thread = ThreadRecord.from_snapshot(data)
    before = engine.threads.get(thread.id)
    if before is not None and before.accepted_post_id == thread.accepted_post_id:
        thread.accepted_author_id = before.accepted_author_id
    thread.vector = (await index.encoder.aencode([thread.text()]))[0]
    await index.changed(tx, "thread", thread.id)
    engine.put_thread(thread)
    await store.put_thread(tx.session, thread, data.created_at)
    await store.put_vector(tx.session, thread.id, "thread", index.model_name, thread.vector)
    return Effects(threads={thread.id} if thread.kind == "question" else set())


async def thread_deleted(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.ThreadDeleted)
    touched = await suggested.people_on_thread(tx.session, data.thread_id)
    await matcher.index.changed(tx, "thread", data.thread_id)
    matcher.index.engine.remove_thread(data.thread_id)
    await store.delete_thread(tx.session, data.thread_id)
    return Effects(republish=touched)


async def post_created(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.PostCreated)
    await store.put_post(tx.session, data.post_id, data.thread_id, data.author_id, event.occurred_at)
    await matcher.index.changed(tx, "post", data.post_id)
    matcher.index.engine.posts[data.post_id] = (data.thread_id, data.author_id)
    return Effects()


async def post_deleted(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    data = event.data
    assert isinstance(data, events.PostDeleted)
    await store.delete_post(tx.session, data.post_id)
    await matcher.index.changed(tx, "post", data.post_id)
    matcher.index.engine.posts.pop(data.post_id, None)
    return Effects()


async def answer_accepted(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    """An accepted answer changes its author's offer (answered topics) and closes the question."""
    data = event.data
    assert isinstance(data, events.AnswerAccepted)
    index, engine = matcher.index, matcher.index.engine
    thread = engine.threads.get(data.thread_id)
    previous = thread.accepted_author_id if thread is not None else None
    await index.changed(tx, "thread", data.thread_id)
    await index.changed(tx, "post", data.post_id)
    engine.accept_answer(data.thread_id, data.post_id, data.answer_author_id)
    await store.set_accepted(
        tx.session, data.thread_id, data.post_id, data.answer_author_id, event.occurred_at
    )
    await store.put_post(tx.session, data.post_id, data.thread_id, data.answer_author_id)
    affected: set[str] = set()
    for author in sorted(a for a in {data.answer_author_id, previous} if a):
        record = engine.people.records.get(author)
        if record is None:
            continue
        # Their answered topics changed, so their offer did: re-place them in the index.
        await index.changed(tx, "person", record.id)
        offer, _ = await index.place_person(record.profile)
        await store.put_vector(tx.session, record.id, "offer", index.model_name, offer)
        affected |= set(await suggested.people_suggested(tx.session, record.id))
    return Effects(later=affected, threads={data.thread_id})


async def feedback_given(matcher: Matcher, tx: Transaction, event: events.Event) -> Effects:
    """Only a rebuild consumes the matcher's own feedback events: they restore declines and capacity."""
    data = event.data
    assert isinstance(data, events.SuggestionFeedback)
    engine = matcher.index.engine
    if data.person_id not in engine.people or data.candidate_id not in engine.people:
        return Effects()
    await matcher.index.changed(tx, "person", data.person_id, data.candidate_id)
    engine.record_feedback(data.person_id, data.candidate_id, data.kind, data.action, data.thread_id)
    await suggested.restore_feedback(tx.session, data, at=event.occurred_at)
    return Effects()


FOLLOW_UPS: dict[str, FollowUpOf] = {
    events.PERSON_UPSERTED: person_changed,
    events.PERSON_DELETED: person_erased,
    events.COHORT_CREATED: cohort_named,
    events.COHORT_ORG_JOINED: members_changed,
    events.COHORT_ORG_LEFT: members_changed,
    events.COHORT_MEMBER_ADDED: members_changed,
    events.COHORT_MEMBER_REMOVED: members_changed,
}

OWN: dict[str, Own] = {
    events.ORG_CREATED: org_created,
    events.THREAD_CREATED: thread_written,
    events.THREAD_UPDATED: thread_written,
    events.THREAD_DELETED: thread_deleted,
    events.POST_CREATED: post_created,
    events.POST_DELETED: post_deleted,
    events.ANSWER_ACCEPTED: answer_accepted,
}

# The matcher's own stream: replayed by `peerlearn matcher rebuild` only.
REPLAYED_ONLY: dict[str, Own] = {events.SUGGESTION_FEEDBACK: feedback_given}


def matcher_handlers(matcher: Matcher, *, rebuilding: bool = False) -> dict[str, Apply]:
    """``{subject: handler}`` with ``matcher`` bound: the directory's facts with the matcher's
    follow-ups, and the matcher's own; ``rebuilding`` adds the matcher's own feedback events."""

    def follow_up(react: FollowUpOf) -> FollowUp:
        async def run(tx: Transaction, event: events.Event, changed: bool) -> None:
            await apply_effects(matcher, tx, await react(matcher, tx, event, changed))

        return run

    def own(react: Own) -> Apply:
        async def run(tx: Transaction, event: events.Event) -> None:
            await apply_effects(matcher, tx, await react(matcher, tx, event))

        return run

    def turned(apply: Apply) -> Apply:
        # The replicas' turn first, and what others changed reloaded, before anything is read.
        async def run(tx: Transaction, event: events.Event) -> None:
            await matcher.index.begin(tx)
            await apply(tx, event)

        return run

    handlers = directory_handlers(
        matcher.directory, {subject: follow_up(react) for subject, react in FOLLOW_UPS.items()}
    )
    mine = {**OWN, **(REPLAYED_ONLY if rebuilding else {})}
    every = {**handlers, **{subject: own(react) for subject, react in mine.items()}}
    return {subject: turned(apply) for subject, apply in every.items()}


async def prepare(matcher: Matcher, batch: Sequence[events.Event]) -> None:
    """Encode the texts of a fetched batch of events together, before the first is applied.

    The warms run side by side, so the encoder takes them in one model call (a burst of
    questions costs a fraction per text of one at a time); each :func:`handle` then finds its
    texts cached. Nothing is written: the events are still applied and acked one by one.
    """
    await matcher.index.ready.wait()
    await asyncio.gather(*(matcher.index.warm(event) for event in batch))


async def handle(matcher: Matcher, handlers: Handlers, event: events.Event) -> bool:
    """Apply one event once, its texts encoded before its transaction opens, one at a time."""
    await matcher.index.ready.wait()
    await matcher.index.warm(event)
    async with matcher.index.lock:
        await matcher.index.reload_ahead()  # most of it outside the replicas' turn
        applied = await apply_once(matcher.uow, tables.processed_events, handlers, event)
    if applied:
        matcher.handled += 1
    return applied
