"""The matcher's mentorship events, told to the people they concern (issue 12).

- requested → the mentor (goal, reasons, until when, the page where they accept or decline);
- accepted → both: the introduction, with the other's address (an active mentorship lets the
  two see each other's email, DESIGN §6: only here, from this event), the proposed first
  sessions in the reader's timezone and ``invite.ics`` attached;
- declined / expired → the mentee, kindly, pointing at the other mentors on home;
- session_logged / closed → only the other party of who logged or closed it
  (``mentorship_update``, a daily kind); a pair that lost its shared cohort both hear of it.

Nothing is told about an erased person: an event about one changes nothing, and
:func:`forget_mentorships_about` (erasure's follow-up) removes what others were told of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.consuming import Apply
from peerlearn.events import matcher as mentorship
from peerlearn.invitations import invite_ics
from peerlearn.unit_of_work import Transaction
from peerlearn_notify.adapters.mail_attachments import Attachment
from peerlearn_notify.adapters.people import address_of, preferences_of
from peerlearn_notify.adapters.tables import DIRECTORY, directory, mail_outbox, notifications
from peerlearn_notify.domain import mentorship_mails as words
from peerlearn_notify.domain.mails import Details
from peerlearn_notify.domain.mentorship_mails import Proposal
from peerlearn_notify.usecases.notifying import Delivery, notify


def mentorship_link(delivery: Delivery, mentorship_id: str) -> str:
    """The web page of one mentorship (where the mentor accepts or declines): ``/mentorships/{id}``."""
    return f"{delivery.public_url.rstrip('/')}/mentorships/{mentorship_id}"


def _key(about: str, mentorship_id: str, what: str) -> str:
    # The person the notification is about comes first: erasure finds them by prefix.
    return f"ms:{about}:{mentorship_id}:{what}"[:120]


async def _erased(session: AsyncSession, person_id: str) -> bool:
    """Whether ``person_id`` was erased, holding their directory row until this transaction ends.

    The erasure (PROFILES) and a mentorship event (MATCHER) are applied by two consumers at
    once: without the lock, on PostgreSQL, a notification inserted while the erasure runs is
    invisible to the erasure's delete and survives it. Locked, one waits for the other: either
    the erasure commits first and is seen here, or its delete comes after this insert.
    """
    people = directory.people
    erased = await session.scalar(
        sa.select(people.c.erased).where(people.c.id == person_id).with_for_update()
    )
    return bool(erased)


async def _name(session: AsyncSession, person_id: str, given: str) -> str:
    if given:
        return given
    return (await DIRECTORY.display_names(session, {person_id})).get(person_id, "Someone")


async def _tell(
    delivery: Delivery,
    tx: Transaction,
    event: events.Event,
    *,
    to: str,
    about: str,
    kind: str,
    what: str,
    title: str,
    details: Details | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """One notification to ``to`` about ``about`` — nothing when ``about`` was erased."""
    mentorship_id: str = event.data.mentorship_id  # type: ignore[attr-defined]  # all six have one
    if await _erased(tx.session, about):
        return
    await notify(
        tx,
        delivery,
        person_ids=[to],
        kind=kind,
        title=title,
        link=mentorship_link(delivery, mentorship_id),
        dedupe_key=_key(about, mentorship_id, what),
        where=None,
        now=event.occurred_at,
        details=details,
        attachments=attachments,
    )


async def requested(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """The mentor is asked."""
    data = event.data
    assert isinstance(data, mentorship.MentorshipRequested)
    mentee = await _name(tx.session, data.mentee_id, data.mentee_name)
    prefs = await preferences_of(tx.session, data.mentor_id)
    details = words.request_details(
        mentee, data.goal, [r.text for r in data.reasons], data.expires_at, prefs.timezone
    )
    await _tell(
        delivery,
        tx,
        event,
        to=data.mentor_id,
        about=data.mentee_id,
        kind="mentorship_requested",
        what="requested",
        title=words.request_title(mentee, data.goal),
        details=details,
    )


async def accepted(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """Both are introduced, each with the other's address and the times in their own zone."""
    data = event.data
    assert isinstance(data, mentorship.MentorshipAccepted)
    mentee = await _name(tx.session, data.mentee_id, data.mentee_name)
    mentor = await _name(tx.session, data.mentor_id, data.mentor_name)
    reasons = [r.text for r in data.reasons]
    calendar = Attachment(
        filename="invite.ics",
        content_type="text/calendar",
        content=invite_ics(
            data.mentorship_id,
            mentee_name=mentee,
            mentor_name=mentor,
            description=f"Goal: {data.goal}" if data.goal else "A first mentoring session",
            times=data.proposed_times,
            stamp=event.occurred_at,
        ),
    )
    sides = (
        (data.mentee_id, data.mentor_id, mentor, False, data.mentee_timezone),
        (data.mentor_id, data.mentee_id, mentee, True, data.mentor_timezone),
    )
    for reader, other_id, other, reader_is_mentor, zone in sides:
        proposals = [
            Proposal(t.start, t.end, t.mentee_local if reader_is_mentor else t.mentor_local)
            for t in data.proposed_times
        ]
        details = words.introduction_details(
            other=other,
            # Read now, from the CONTACTS read model: the mentorship is active at this event.
            other_email=await address_of(tx.session, other_id),
            reader_is_mentor=reader_is_mentor,
            goal=data.goal,
            reasons=reasons,
            proposals=proposals,
            timezone=zone,
        )
        await _tell(
            delivery,
            tx,
            event,
            to=reader,
            about=other_id,
            kind="mentorship_accepted",
            what="accepted",
            title=words.introduction_title(other, reader_is_mentor=reader_is_mentor),
            details=details,
            attachments=[calendar] if data.proposed_times else [],
        )


async def not_going_ahead(delivery: Delivery, tx: Transaction, event: events.Event, *, expired: bool) -> None:
    """The mentee hears, kindly, that the request was declined or expired."""
    data = event.data
    assert isinstance(data, mentorship.MentorshipDeclined | mentorship.MentorshipExpired)
    mentor = await _name(tx.session, data.mentor_id, "")
    await _tell(
        delivery,
        tx,
        event,
        to=data.mentee_id,
        about=data.mentor_id,
        kind="mentorship_expired" if expired else "mentorship_declined",
        what="expired" if expired else "declined",
        title=words.not_going_ahead_title(mentor, expired=expired),
        details=words.not_going_ahead_details(
            mentor, expired=expired, home_url=f"{delivery.public_url.rstrip('/')}/"
        ),
    )


def _other(data: mentorship.MentorshipSessionLogged | mentorship.MentorshipClosed, by: str) -> str | None:
    if by == data.mentee_id:
        return data.mentor_id
    if by == data.mentor_id:
        return data.mentee_id
    return None


async def session_logged(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """The other party hears of a session logged by one of the two."""
    data = event.data
    assert isinstance(data, mentorship.MentorshipSessionLogged)
    other = _other(data, data.logged_by)
    if other is None:
        return
    by = await _name(tx.session, data.logged_by, "")
    day = words.local_date(data.at, (await preferences_of(tx.session, other)).timezone)
    await _tell(
        delivery,
        tx,
        event,
        to=other,
        about=data.logged_by,
        kind="mentorship_update",
        what=f"session:{data.session_id}",
        title=f"{by} logged your session of {day} ({data.minutes} minutes)",
    )


async def closed(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """The other party hears that one of the two closed it; both hear when their shared cohort
    ended it; an erasure tells nobody anything."""
    data = event.data
    assert isinstance(data, mentorship.MentorshipClosed)
    if data.reason == "cohort_left":
        for reader, other_id in ((data.mentee_id, data.mentor_id), (data.mentor_id, data.mentee_id)):
            other = await _name(tx.session, other_id, "")
            await _tell(
                delivery,
                tx,
                event,
                to=reader,
                about=other_id,
                kind="mentorship_update",
                what="closed",
                title=f"Your mentorship with {other} ended: you no longer share the cohort that matched you",
            )
        return
    other_party = _other(data, data.closed_by) if data.reason == "closed" else None
    if other_party is None:
        return
    by = await _name(tx.session, data.closed_by, "")
    await _tell(
        delivery,
        tx,
        event,
        to=other_party,
        about=data.closed_by,
        kind="mentorship_update",
        what="closed",
        title=f"{by} closed your mentorship",
    )


async def forget_mentorships_about(session: AsyncSession, person_id: str) -> None:
    """Erasure's follow-up: others' notifications about the erased person's mentorships, and the
    mails of them not sent yet, go (their own inbox and mail go with :func:`people.forget`)."""
    about = notifications.c.dedupe_key.startswith(f"ms:{person_id}:", autoescape=True)
    links = set((await session.execute(sa.select(notifications.c.link).where(about))).scalars())
    for link in links:
        await session.execute(
            sa.delete(mail_outbox).where(
                mail_outbox.c.sent_at.is_(None), mail_outbox.c.text.contains(link, autoescape=True)
            )
        )
    await session.execute(sa.delete(notifications).where(about))


def mentorship_handlers(delivery: Delivery) -> dict[str, Apply]:
    """``{subject: handler}`` of the six mentorship events."""
    return {
        mentorship.MENTORSHIP_REQUESTED: partial(requested, delivery),
        mentorship.MENTORSHIP_ACCEPTED: partial(accepted, delivery),
        mentorship.MENTORSHIP_DECLINED: partial(not_going_ahead, delivery, expired=False),
        mentorship.MENTORSHIP_EXPIRED: partial(not_going_ahead, delivery, expired=True),
        mentorship.MENTORSHIP_SESSION_LOGGED: partial(session_logged, delivery),
        mentorship.MENTORSHIP_CLOSED: partial(closed, delivery),
    }
