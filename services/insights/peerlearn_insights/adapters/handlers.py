"""insights' event handlers, applied once each through :mod:`peerlearn.consuming`: profiles'
directory (with insights' follow-ups: erasure, joining a study group), the forum's threads,
posts, votes and acceptances, and the matcher's mentoring sessions — each becomes the acts of
the people in it."""

from __future__ import annotations

from collections.abc import Sequence

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.consuming import Apply, consumers_for
from peerlearn.directory.handlers import directory_handlers
from peerlearn.events import matcher as mentorship
from peerlearn.store import Database
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_insights.adapters import programme, record
from peerlearn_insights.adapters.tables import DIRECTORY, processed_events
from peerlearn_insights.domain.acts import STARTED_BY_KIND, Act, reply_verb

STREAMS = ("PROFILES", "FORUM", "MATCHER")


async def person_erased(tx: Transaction, event: events.Event, _changed: bool) -> None:
    """After the directory's tombstone: the person's acts go."""
    assert isinstance(event.data, events.PersonDeleted)
    await record.forget_person(tx.session, event.data.person_id)
    await programme.forget_person(tx.session, event.data.person_id)


async def member_added(tx: Transaction, event: events.Event, changed: bool) -> None:
    """Joining a study group (once per joining) is an act."""
    data = event.data
    assert isinstance(data, events.CohortMemberAdded)
    if changed:
        act = Act(event.id, data.person_id, "joined_group", event.occurred_at, cohort_id=data.cohort_id)
        await record.add_act(tx.session, act)


async def thread_created(tx: Transaction, event: events.Event) -> None:
    """The author asked, discussed or shared; the thread's place is kept for visibility."""
    data = event.data
    assert isinstance(data, events.ThreadSnapshot)
    await record.keep_thread(tx.session, data)
    if isinstance(data, events.ThreadCreated):
        verb = STARTED_BY_KIND[data.kind]
        await record.add_act(
            tx.session, Act(event.id, data.author_id, verb, event.occurred_at, data.thread_id)
        )


async def post_created(tx: Transaction, event: events.Event) -> None:
    """An answer to someone else (with whom), or a comment in one's own thread."""
    data = event.data
    assert isinstance(data, events.PostCreated)
    verb = reply_verb(data.author_id, data.asker_id)
    other = data.asker_id if verb == "answered" else None
    await record.add_act(
        tx.session, Act(event.id, data.author_id, verb, event.occurred_at, data.thread_id, other_id=other)
    )


async def answer_accepted(tx: Transaction, event: events.Event) -> None:
    """Two acts: the answerer's answer was accepted, the asker accepted it."""
    data = event.data
    assert isinstance(data, events.AnswerAccepted)
    at, thread = event.occurred_at, data.thread_id
    answerer, asker = data.answer_author_id, data.asker_id
    await record.add_act(tx.session, Act(event.id, answerer, "answer_accepted", at, thread, other_id=asker))
    if asker != answerer:
        await record.add_act(tx.session, Act(event.id, asker, "accepted", at, thread, other_id=answerer))


async def post_voted(tx: Transaction, event: events.Event) -> None:
    """An upvote: given by the voter, received by the author (a downvote or a withdrawal is no act)."""
    data = event.data
    assert isinstance(data, events.PostVoted)
    if data.value <= 0 or data.voter_id == data.author_id:
        return
    at, thread = event.occurred_at, data.thread_id
    await record.add_act(
        tx.session, Act(event.id, data.voter_id, "upvoted", at, thread, other_id=data.author_id)
    )
    await record.add_act(
        tx.session, Act(event.id, data.author_id, "upvote_received", at, thread, other_id=data.voter_id)
    )


async def session_logged(tx: Transaction, event: events.Event) -> None:
    """A mentoring session: the mentor mentored, the mentee attended (never its notes)."""
    data = event.data
    assert isinstance(data, mentorship.MentorshipSessionLogged)
    mentor, mentee, minutes = data.mentor_id, data.mentee_id, data.minutes
    await record.add_act(
        tx.session, Act(event.id, mentor, "mentored", data.at, other_id=mentee, minutes=minutes)
    )
    await record.add_act(
        tx.session, Act(event.id, mentee, "attended", data.at, other_id=mentor, minutes=minutes)
    )


def handlers_for() -> dict[str, Apply]:
    """``{subject: handler}`` of every event insights consumes."""
    profiles = directory_handlers(
        DIRECTORY, follow_ups={events.PERSON_DELETED: person_erased, events.COHORT_MEMBER_ADDED: member_added}
    )
    return {
        **profiles,
        events.THREAD_CREATED: thread_created,
        events.THREAD_UPDATED: thread_created,
        events.POST_CREATED: post_created,
        events.ANSWER_ACCEPTED: answer_accepted,
        events.POST_VOTED: post_voted,
        mentorship.MENTORSHIP_SESSION_LOGGED: session_logged,
        **programme.programme_handlers(),
    }


def make_consumers(bus: Bus, database: Database, *, max_deliver: int = 5) -> Sequence[Consumer]:
    """The durable consumers ``insights-profiles``, ``-forum`` and ``-matcher``."""
    return consumers_for(
        bus,
        UnitOfWork(database),
        processed_events,
        handlers_for(),
        service="insights",
        streams=STREAMS,
        max_deliver=max_deliver,
    )
