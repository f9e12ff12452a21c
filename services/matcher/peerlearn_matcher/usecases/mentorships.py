"""Mentorships: the request a mentor answers, its expiry, sessions, and closing with a rating.

A request is opened in the transaction of the learner's accept (:func:`open_request`, called by
the feedback use case) and holds one unit of the mentor's capacity, as the accept always did.
Declined and expired requests free it and become decline feedback for the ranking; a close frees
it and turns the suggestion's feedback into the outcome (met and rated 3+ is a good match). Every
change that frees capacity refreshes the people who had the mentor suggested, and refits the
learned ranking on the feedback so far.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import Conflict, Forbidden, Invalid, NotFound
from peerlearn.events import matcher as matcher_events
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters import mentorship_store as stored
from peerlearn_matcher.adapters.mentorship_store import StoredMentorship, StoredSession
from peerlearn_matcher.adapters.store import now
from peerlearn_matcher.adapters.suggestion_store import StoredSuggestion
from peerlearn_matcher.domain import mentorships as rules
from peerlearn_matcher.domain.first_sessions import propose_times
from peerlearn_matcher.usecases.matcher import Matcher
from peerlearn_matcher.usecases.mentorship_endings import announce_about, announce_closed, free_slot, refit
from peerlearn_matcher.usecases.suggestions import candidate_name

log = logging.getLogger("peerlearn.matcher")

FUTURE_SLACK = timedelta(days=1)  # a session is logged when it happened (timezones aside)


def require_visible(caller: Caller, parties: rules.Parties, mentorship_id: str) -> None:
    """404 for anyone who may not see the mentorship (as if it did not exist)."""
    if not rules.may_see(caller, parties):
        raise NotFound(f"no mentorship {mentorship_id}")


def require_party(caller: Caller, parties: rules.Parties, mentorship_id: str) -> None:
    """Only the two act on a mentorship: 404 for the unseen, 403 for the platform admin."""
    require_visible(caller, parties, mentorship_id)
    if not parties.party(caller):
        raise Forbidden("only the mentee and the mentor act on a mentorship")


def require_mentor(caller: Caller, parties: rules.Parties, mentorship_id: str) -> None:
    """Only the mentor answers a request."""
    require_party(caller, parties, mentorship_id)
    if caller.person_id != parties.mentor_id:
        raise Forbidden("only the mentor accepts or declines a request")


def require_status(status: str, allowed: tuple[str, ...], action: str) -> None:
    """409 when the mentorship is not in a state that allows ``action``."""
    if status not in allowed:
        raise Conflict(f"cannot {action} a mentorship that is {status}")


def _timezone(matcher: Matcher, person_id: str) -> str:
    record = matcher.index.engine.people.records.get(person_id)
    return record.profile.timezone if record is not None else "UTC"


async def open_request(matcher: Matcher, tx: Transaction, suggestion: StoredSuggestion, org_id: str) -> str:
    """A learner accepted a mentor or expert: ask the mentor; 409 when they have no slot left.

    Runs under the index lock and the replicas' turn in the accept's transaction, so ten learners
    taking the last slot at once, on any replicas, are served one after the other: the first
    holds it, the others are refused.
    """
    engine = matcher.index.engine
    mentor = engine.people.records.get(suggestion.candidate_id)
    mentee = engine.people.records.get(suggestion.person_id)
    if mentor is None or mentee is None:
        raise NotFound(f"no suggestion {suggestion.id}")
    capacity = mentor.profile.mentor_capacity
    unlimited = suggestion.kind == "expert" and capacity == 0  # experts without a cap answer anyone
    if not unlimited and len(engine.mentees.get(mentor.id, set())) >= capacity:
        raise Conflict(f"{mentor.profile.display_name} has no mentoring capacity left")
    mentorship_id = events.new_id()
    created = now()
    expires = created + timedelta(days=matcher.settings.mentorship_request_days)
    parties = rules.Parties(
        mentee_id=mentee.id, mentor_id=mentor.id, mentee_org_id=mentee.org_id, mentor_org_id=mentor.org_id
    )
    await stored.add(
        tx.session,
        mentorship_id=mentorship_id,
        parties=parties,
        kind=suggestion.kind,
        suggestion_id=suggestion.id,
        goal=mentee.profile.goal,
        reasons=suggestion.reasons,
        created_at=created,
        expires_at=expires,
    )
    data = matcher_events.MentorshipRequested(
        mentorship_id=mentorship_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        mentee_name=mentee.profile.display_name,
        mentor_name=mentor.profile.display_name,
        kind=suggestion.kind,  # type: ignore[arg-type]
        suggestion_id=suggestion.id,
        goal=mentee.profile.goal,
        reasons=suggestion.reasons,
        expires_at=expires,
    )
    await matcher.announce(tx, data, org_id=org_id)
    return mentorship_id


async def _visible(
    matcher: Matcher, tx: Transaction, principal: Principal | None, mentorship_id: str
) -> tuple[Caller, StoredMentorship]:
    caller = await matcher.directory.caller_for(tx.session, principal)
    found = await stored.get(tx.session, mentorship_id)
    if found is None:
        raise NotFound(f"no mentorship {mentorship_id}")
    require_visible(caller, found.parties, mentorship_id)
    return caller, found


async def answer(
    matcher: Matcher, principal: Principal | None, mentorship_id: str, action: str
) -> tuple[Caller, StoredMentorship]:
    """The mentor accepts (the introduction, with proposed times) or declines (the slot is freed)."""
    async with matcher.index.writing(matcher.uow) as tx:
        caller, found = await _visible(matcher, tx, principal, mentorship_id)
        require_mentor(caller, found.parties, mentorship_id)
        if rules.expired(found.status, found.expires_at, now()):
            raise Conflict("this request has expired")
        require_status(found.status, ("requested",), action)
        p = found.parties
        if action == "accept":
            mentee_tz, mentor_tz = _timezone(matcher, p.mentee_id), _timezone(matcher, p.mentor_id)
            times = [
                matcher_events.ProposedTime(
                    start=t.start, end=t.end, mentee_local=t.mentee_local, mentor_local=t.mentor_local
                )
                for t in propose_times(mentee_tz, mentor_tz, now())
            ]
            if not await stored.activate(tx.session, mentorship_id, times, answered_at=now()):
                raise Conflict("this request was answered meanwhile")
            await announce_about(
                matcher,
                tx,
                found,
                matcher_events.MentorshipAccepted,
                mentee_name=candidate_name(matcher, p.mentee_id),
                mentor_name=candidate_name(matcher, p.mentor_id),
                goal=found.goal,
                reasons=found.reasons,
                mentee_timezone=mentee_tz,
                mentor_timezone=mentor_tz,
                proposed_times=times,
            )
        else:
            if not await stored.set_status(
                tx.session, mentorship_id, "declined", expected="requested", answered_at=now()
            ):
                raise Conflict("this request was answered meanwhile")
            await stored.set_feedback(tx.session, found.suggestion_id, "decline", None)
            await announce_about(matcher, tx, found, matcher_events.MentorshipDeclined)
            await free_slot(matcher, tx, found, "decline")
            await refit(matcher, tx)
        result = await stored.get(tx.session, mentorship_id)
    assert result is not None
    return caller, result


async def log_session(
    matcher: Matcher,
    principal: Principal | None,
    mentorship_id: str,
    *,
    at: datetime,
    minutes: int,
    notes: str,
    topics: list[str],
) -> tuple[Caller, StoredMentorship]:
    """Either party logs a session of an active mentorship (its notes stay with the two)."""
    async with matcher.uow.writing() as tx:
        caller, found = await _visible(matcher, tx, principal, mentorship_id)
        require_party(caller, found.parties, mentorship_id)
        require_status(found.status, ("active",), "log a session of")
        if at > now() + FUTURE_SLACK:
            raise Invalid("at: a session is logged once it happened (not more than a day ahead)")
        assert caller.person_id is not None
        entry = StoredSession(
            id=events.new_id(),
            at=at,
            minutes=minutes,
            notes=notes,
            topics=list(dict.fromkeys(t.strip() for t in topics if t.strip())),
            logged_by=caller.person_id,
            created_at=now(),
        )
        await stored.add_session(tx.session, mentorship_id, entry)
        await announce_about(
            matcher,
            tx,
            found,
            matcher_events.MentorshipSessionLogged,
            session_id=entry.id,
            at=at,
            minutes=minutes,
            topics=entry.topics,
            logged_by=caller.person_id,
        )
        result = await stored.get(tx.session, mentorship_id)
    assert result is not None
    return caller, result


async def close(
    matcher: Matcher, principal: Principal | None, mentorship_id: str, rating: int, comment: str | None
) -> tuple[Caller, StoredMentorship]:
    """Either party closes an active mentorship with a rating: the slot is freed, the outcome learned."""
    async with matcher.index.writing(matcher.uow) as tx:
        caller, found = await _visible(matcher, tx, principal, mentorship_id)
        require_party(caller, found.parties, mentorship_id)
        require_status(found.status, ("active",), "close")
        met = bool(found.sessions)
        action = rules.training_action(met, rating)
        await stored.set_status(
            tx.session,
            mentorship_id,
            "closed",
            expected="active",
            rating=rating,
            comment=comment,
            closed_at=now(),
        )
        await stored.set_feedback(tx.session, found.suggestion_id, action, rating)
        await announce_closed(
            matcher,
            tx,
            found,
            len(found.sessions),
            rating=rating,
            met=met,
            closed_by=caller.person_id or "",
            features=await stored.features_of(tx.session, found.suggestion_id),
        )
        await free_slot(matcher, tx, found, None)
        await refit(matcher, tx)
        result = await stored.get(tx.session, mentorship_id)
    assert result is not None
    return caller, result


async def get_mentorship(
    matcher: Matcher, principal: Principal | None, mentorship_id: str
) -> tuple[Caller, StoredMentorship]:
    """One mentorship as the caller may see it (404 for anyone but the two and the platform admin)."""
    async with matcher.uow.reading() as tx:
        return await _visible(matcher, tx, principal, mentorship_id)


async def invite_of(matcher: Matcher, principal: Principal | None, mentorship_id: str) -> StoredMentorship:
    """An active mentorship's proposed first sessions, for one of the two (the .ics download)."""
    async with matcher.uow.reading() as tx:
        caller, found = await _visible(matcher, tx, principal, mentorship_id)
        require_party(caller, found.parties, mentorship_id)
        if found.status not in ("active", "closed"):
            # Before the mentor agreed there is no introduction, hence no invitation.
            raise NotFound(f"mentorship {mentorship_id} has no invitation until the mentor accepts")
        return found


async def list_of_person(
    matcher: Matcher, principal: Principal | None, person_id: str, status: str | None, offset: int, limit: int
) -> tuple[Caller, list[StoredMentorship], dict[str, int], bool]:
    """A person's mentorships for themselves, their org's admins and the platform admin; else 404."""
    async with matcher.uow.reading() as tx:
        caller = await matcher.directory.caller_for(tx.session, principal)
        record = matcher.index.engine.people.records.get(person_id)
        org_id = record.org_id if record is not None else None
        if not rules.may_list_person(caller, person_id, org_id):
            raise NotFound(f"no person {person_id}")
        found = await stored.of_person(tx.session, person_id, status, offset, limit + 1)
        counts = await stored.session_counts(tx.session, [f.id for f in found])
    return caller, found[:limit], counts, len(found) > limit
