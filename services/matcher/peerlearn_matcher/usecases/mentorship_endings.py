"""How mentorships end without a close: expiry, erasure of a party, the shared cohort left.

Also the two steps every ending shares: freeing the mentor's slot (and refreshing the lists the
mentor may now come back to) and refitting the learned ranking on the relabelled feedback; and
how every event about a mentorship is announced (:func:`announce_about`, :func:`announce_closed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from peerlearn import events
from peerlearn.events import matcher as matcher_events
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters import mentorship_store as stored
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.adapters.mentorship_store import StoredMentorship
from peerlearn_matcher.adapters.store import now
from peerlearn_matcher.usecases.matcher import Effects, Matcher, run_rounds
from peerlearn_matcher.usecases.suggestions import apply_effects

log = logging.getLogger("peerlearn.matcher")

EXPIRY_EVERY = 60.0  # seconds between two looks for requests past their answer-by time


async def announce_about(
    matcher: Matcher,
    tx: Transaction,
    found: StoredMentorship,
    event: Callable[..., events.Data],
    **details: Any,
) -> None:
    """Announce ``event`` about ``found``: it names the mentorship and its parties, in the mentee's org."""
    p = found.parties
    about = {"mentorship_id": found.id, "mentee_id": p.mentee_id, "mentor_id": p.mentor_id}
    await matcher.announce(tx, event(**about, **details), org_id=p.mentee_org_id)


async def announce_closed(
    matcher: Matcher, tx: Transaction, found: StoredMentorship, sessions: int, **outcome: Any
) -> None:
    """Announce that ``found`` closed after ``sessions`` sessions, by a party's close (``outcome``:
    the rating, whether they met, who closed, the suggestion's features) or by an ending (``reason``)."""
    closed = {"suggestion_id": found.suggestion_id, "sessions": sessions}
    await announce_about(matcher, tx, found, matcher_events.MentorshipClosed, **closed, **outcome)


async def free_slot(matcher: Matcher, tx: Transaction, found: StoredMentorship, action: str | None) -> None:
    """Free the mentor's slot; ``action`` (decline/accept) relabels the suggestion's feedback."""
    engine = matcher.index.engine
    mentee, mentor = found.parties.mentee_id, found.parties.mentor_id
    await matcher.index.changed(tx, "person", mentee, mentor)
    engine.mentees[mentor].discard(mentee)
    if action == "decline":
        engine.declined[mentee].add(mentor)
    # The lists showing the mentor, and the people they would suit, who may have them back now.
    touched = {mentee, mentor, *await suggested.people_suggested(tx.session, mentor)}
    touched |= set(engine.interested_in(mentor, matcher.settings.refresh_fanout))
    await apply_effects(matcher, tx, Effects(people=touched))


async def refit(matcher: Matcher, tx: Transaction) -> None:
    """Refit the learned ranking on every piece of feedback so far."""
    features, labels = await suggested.training_data(tx.session)
    await matcher.index.changed(tx, "model", "")
    matcher.index.engine.model.fit(features, labels)


async def expire_due(matcher: Matcher, at: datetime | None = None) -> list[str]:
    """Expire every request past its answer-by time: free the slot, count it as a decline."""
    expired: list[str] = []
    async with matcher.index.writing(matcher.uow) as tx:
        for found in await stored.due(tx.session, at or now()):
            if not await stored.set_status(tx.session, found.id, "expired", expected="requested"):
                continue
            await stored.set_feedback(tx.session, found.suggestion_id, "decline", None)
            await announce_about(matcher, tx, found, matcher_events.MentorshipExpired)
            await free_slot(matcher, tx, found, "decline")
            expired.append(found.id)
        if expired:
            await refit(matcher, tx)
    return expired


async def run_expiry(matcher: Matcher, every: float = EXPIRY_EVERY) -> None:
    """Expire due requests every ``every`` seconds until cancelled (a failed round is retried)."""
    await matcher.index.ready.wait()

    async def expire() -> None:
        found = await expire_due(matcher)
        if found:
            log.info("expired %d mentorship requests", len(found))

    await run_rounds(expire, every, "expiring mentorship requests failed; retrying")


async def end_for_erased(matcher: Matcher, tx: Transaction, person_id: str) -> set[str]:
    """An erased party ends their open mentorships and takes every session note with them.

    Runs in the erasure's transaction (the engine already forgot the person, their slots too);
    returns the other parties, whose lists may change.
    """
    others = {
        await _end(matcher, tx, found, person_id, "erased")
        for found in await stored.holding_of(tx.session, person_id)
    }
    await stored.erase_notes_of_person(tx.session, person_id)
    return others


def _still_matchable(matcher: Matcher, found: StoredMentorship) -> bool:
    """Whether the two may still be matched: one org, a shared cohort, or the mentor's consent."""
    p = found.parties
    if p.mentee_org_id == p.mentor_org_id:
        return True
    engine = matcher.index.engine
    mentor = engine.people.records.get(p.mentor_id)
    if mentor is not None and mentor.profile.open_to_external:
        return True
    return bool(engine.cohorts_of(p.mentee_id) & engine.cohorts_of(p.mentor_id))


async def end_for_cohort_left(matcher: Matcher, tx: Transaction, person_id: str) -> set[str]:
    """Someone left a cohort: their cross-org mentorships that it alone allowed end (a notice event).

    Returns the other parties (their lists may change). Feedback is left as it was: leaving a
    cohort says nothing about the match.
    """
    others: set[str] = set()
    for found in await stored.holding_of(tx.session, person_id):
        if not _still_matchable(matcher, found):
            others.add(await _end(matcher, tx, found, person_id, "cohort_left"))
    return others


async def _end(
    matcher: Matcher, tx: Transaction, found: StoredMentorship, person_id: str, reason: str
) -> str:
    """Close ``found`` for ``reason`` (something ``person_id``, a party, did) and return the other party.

    The mentor's slot is freed without relabelling the feedback: the ending says nothing of the match.
    """
    await stored.set_status(tx.session, found.id, "closed", expected=found.status, closed_at=now())
    p = found.parties
    await matcher.index.changed(tx, "person", p.mentee_id, p.mentor_id)
    matcher.index.engine.mentees[p.mentor_id].discard(p.mentee_id)
    sessions = len(await stored.sessions_of(tx.session, found.id))
    await announce_closed(matcher, tx, found, sessions, reason=reason)
    return p.other(person_id)
