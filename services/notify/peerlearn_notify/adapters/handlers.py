"""notify's event handlers, applied once each through :mod:`peerlearn.consuming`: profiles'
directory (with notify's follow-ups: erasure, cohort_joined), the address of each person, the
forum's threads and posts, the matcher's routing and suggestions.

Handlers take ``(tx, event)``; the delivery settings are bound by :func:`handlers_for`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.consuming import Apply, Selective, consumers_for
from peerlearn.directory.caller import Where, may_see_person
from peerlearn.directory.handlers import directory_handlers
from peerlearn.events.contacts import CONTACT_UPDATED, ContactUpdated
from peerlearn.store import Database
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_notify.adapters import threads as forum_copy
from peerlearn_notify.adapters.mentorship_handlers import forget_mentorships_about, mentorship_handlers
from peerlearn_notify.adapters.people import forget, preferences_of, set_address
from peerlearn_notify.adapters.tables import DIRECTORY, directory, processed_events
from peerlearn_notify.adapters.webhook_events import with_webhooks
from peerlearn_notify.domain.timing import local_day
from peerlearn_notify.usecases.notifying import Delivery, notify, recipient

STREAMS = ("PROFILES", "FORUM", "MATCHER", "CONTACTS")
SUGGESTED_KINDS = ("peer", "mentor", "expert")


def _thread_link(delivery: Delivery, thread_id: str) -> str:
    return f"{delivery.public_url.rstrip('/')}/threads/{thread_id}"


async def person_erased(tx: Transaction, event: events.Event, _changed: bool) -> None:
    """After the directory's tombstone: the person's inbox, settings, address and mail go, and
    what others were told about their mentorships."""
    assert isinstance(event.data, events.PersonDeleted)
    await forget(tx.session, event.data.person_id)
    await forget_mentorships_about(tx.session, event.data.person_id)


async def member_added(delivery: Delivery, tx: Transaction, event: events.Event, changed: bool) -> None:
    """A person who joined a cohort hears of it (once per joining)."""
    data = event.data
    assert isinstance(data, events.CohortMemberAdded)
    if not changed:
        return
    name = await tx.session.scalar(
        directory.cohorts.select()
        .with_only_columns(directory.cohorts.c.name)
        .where(directory.cohorts.c.id == data.cohort_id)
    )
    await notify(
        tx,
        delivery,
        person_ids=[data.person_id],
        kind="cohort_joined",
        title=f"You joined the cohort {name or data.cohort_id}",
        link=f"{delivery.public_url.rstrip('/')}/cohorts/{data.cohort_id}",
        dedupe_key=f"cohort:{event.id}",
        where=Where("cohort", cohort_id=data.cohort_id),
        now=event.occurred_at,
    )


async def contact_updated(tx: Transaction, event: events.Event) -> None:
    """Keep the person's newest address (never an erased person's)."""
    data = event.data
    assert isinstance(data, ContactUpdated)
    people = directory.people
    erased = await tx.session.scalar(
        sa.select(people.c.erased).where(people.c.id == data.person_id, people.c.erased.is_(True))
    )
    if erased:  # CONTACTS and PROFILES are apart: a replayed address must not outlive erasure
        return
    await set_address(tx.session, data.person_id, data.org_id, data.email, event.occurred_at)


async def thread_created(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """Remember where the thread lives (routing events do not say); tell answerers routed to it
    before it arrived."""
    data = event.data
    assert isinstance(data, events.ThreadSnapshot)
    await forum_copy.lock_thread(tx.session, data.thread_id)
    await forum_copy.keep_thread(tx.session, data)
    parked = await forum_copy.take_parked_routes(tx.session, data.thread_id)
    if parked:
        thread = await forum_copy.thread(tx.session, data.thread_id)
        by_time: dict[datetime, list[str]] = {}
        for person_id, routed_at in parked:
            by_time.setdefault(routed_at, []).append(person_id)
        for routed_at, people in by_time.items():
            await _tell_routed(delivery, tx, thread, people, routed_at)


async def answerers_suggested(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """Each routed answerer gets ``question_routed`` (if they may see the thread); routed before
    the thread reached notify, they are told when it does."""
    data = event.data
    assert isinstance(data, events.AnswerersSuggested)
    await forum_copy.lock_thread(tx.session, data.thread_id)
    thread = await forum_copy.thread(tx.session, data.thread_id)
    people = [answerer.person_id for answerer in data.answerers]
    if thread is None:
        await forum_copy.park_routes(tx.session, data.thread_id, people, event.occurred_at)
        return
    await _tell_routed(delivery, tx, thread, people, event.occurred_at)


async def _tell_routed(
    delivery: Delivery, tx: Transaction, thread: Any, people: list[str], at: datetime
) -> None:
    people = [person_id for person_id in people if person_id != thread.author_id]
    if not people:
        return
    names = await DIRECTORY.display_names(tx.session, {thread.author_id})
    asker = names.get(thread.author_id or "", "Someone")
    await notify(
        tx,
        delivery,
        person_ids=people,
        kind="question_routed",
        title=f"{asker} asked “{thread.title}” — you may know",
        link=_thread_link(delivery, thread.id),
        dedupe_key=f"routed:{thread.id}",
        where=Where(thread.visibility, thread.org_id, thread.cohort_id),
        now=at,
        thread_id=thread.id,
    )


async def post_created(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """The asker gets ``answer_posted``; people who answered before get ``thread_activity``."""
    data = event.data
    assert isinstance(data, events.PostCreated)
    where = Where(data.visibility, data.org_id, data.cohort_id)
    known = await forum_copy.thread(tx.session, data.thread_id)
    asker = data.asker_id or (known.author_id if known is not None else None)
    earlier = await forum_copy.answerers_before(tx.session, data.thread_id)
    await forum_copy.add_answerer(tx.session, data.thread_id, data.author_id)
    names = await DIRECTORY.display_names(tx.session, {data.author_id})
    author = names.get(data.author_id, "Someone")
    link = _thread_link(delivery, data.thread_id)
    common = {"link": link, "where": where, "now": event.occurred_at, "thread_id": data.thread_id}
    if asker and asker != data.author_id:
        await notify(
            tx,
            delivery,
            person_ids=[asker],
            kind="answer_posted",
            title=f"{author} answered “{data.thread_title}”",
            dedupe_key=f"post:{data.post_id}",
            **common,  # type: ignore[arg-type]
        )
    others = sorted(earlier - {data.author_id, asker})
    if others:
        await notify(
            tx,
            delivery,
            person_ids=others,
            kind="thread_activity",
            title=f"New answer in “{data.thread_title}”",
            dedupe_key=f"post:{data.post_id}",
            **common,  # type: ignore[arg-type]
        )


async def answer_accepted(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """The answer's author hears that it was accepted."""
    data = event.data
    assert isinstance(data, events.AnswerAccepted)
    if data.answer_author_id == data.asker_id:
        return
    await notify(
        tx,
        delivery,
        person_ids=[data.answer_author_id],
        kind="answer_accepted",
        title=f"Your answer to “{data.title}” was accepted",
        link=_thread_link(delivery, data.thread_id),
        dedupe_key=f"accepted:{data.post_id}",
        where=Where(data.visibility, data.org_id, data.cohort_id),
        now=event.occurred_at,
        thread_id=data.thread_id,
    )


def suggests_people(event: events.Event) -> bool:
    """Whether a suggestions update has a peer, mentor or expert in it; an answerer's list (one
    per routed question) is skipped before any write: question_routed tells them."""
    data = event.data
    return isinstance(data, events.SuggestionsUpdated) and any(
        s.kind in SUGGESTED_KINDS for s in data.suggestions
    )


async def suggestions_updated(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """Suggestions new for the person, at most one notification per kind per local day."""
    data = event.data
    assert isinstance(data, events.SuggestionsUpdated)
    caller = await recipient(tx, data.person_id)
    if caller is None:
        return
    prefs = await preferences_of(tx.session, data.person_id)
    day = local_day(prefs, event.occurred_at)
    for kind in SUGGESTED_KINDS:
        candidates = [s.candidate_id for s in data.suggestions if s.kind == kind]
        fresh = await forum_copy.never_told(tx.session, data.person_id, kind, candidates)
        names = await DIRECTORY.display_names(tx.session, set(fresh))
        # Only candidates the person may see count (and are remembered): one the directory
        # does not know yet may be told about with a later update.
        visible: list[str] = []
        for candidate in fresh:
            org = await tx.session.scalar(
                directory.people.select()
                .with_only_columns(directory.people.c.org_id)
                .where(directory.people.c.id == candidate, directory.people.c.erased.is_(False))
            )
            cohorts = frozenset(await DIRECTORY.active_cohorts_of(tx.session, candidate))
            if org is not None and may_see_person(caller, candidate, org, cohorts):
                visible.append(candidate)
        if not visible:
            continue
        await forum_copy.remember_told(tx.session, data.person_id, kind, visible)
        more = f" and {len(visible) - 1} more" if len(visible) > 1 else ""
        await notify(
            tx,
            delivery,
            person_ids=[data.person_id],
            kind="new_suggestion",
            title=f"New {kind} suggestion: {names.get(visible[0], 'someone')}{more}",
            link=f"{delivery.public_url.rstrip('/')}/",
            dedupe_key=f"suggestion:{kind}:{day}",
            where=None,
            now=event.occurred_at,
        )


def handlers_for(delivery: Delivery) -> dict[str, Apply]:
    """``{subject: handler}`` of every event notify consumes."""
    profiles = directory_handlers(
        DIRECTORY,
        follow_ups={
            events.PERSON_DELETED: person_erased,
            events.COHORT_MEMBER_ADDED: partial(member_added, delivery),
        },
    )
    own: dict[str, Apply] = {
        **profiles,
        CONTACT_UPDATED: contact_updated,
        events.THREAD_CREATED: partial(thread_created, delivery),
        events.THREAD_UPDATED: partial(thread_created, delivery),
        events.POST_CREATED: partial(post_created, delivery),
        events.ANSWER_ACCEPTED: partial(answer_accepted, delivery),
        events.ANSWERERS_SUGGESTED: partial(answerers_suggested, delivery),
        events.SUGGESTIONS_UPDATED: Selective(suggests_people, partial(suggestions_updated, delivery)),
        **mentorship_handlers(delivery),
    }
    return with_webhooks(own, delivery)


def make_consumers(
    bus: Bus, database: Database, delivery: Delivery, *, max_deliver: int = 5
) -> Sequence[Consumer]:
    """The durable consumers ``notify-profiles``, ``-forum``, ``-matcher`` and ``-contacts``."""
    return consumers_for(
        bus,
        UnitOfWork(database),
        processed_events,
        handlers_for(delivery),
        service="notify",
        streams=STREAMS,
        max_deliver=max_deliver,
    )
