"""Answerer routing: who should answer a question, and which answered threads are close to it.

:func:`route_thread` (re)computes a question's answerers when the question or the people
around it change: it stores an ``answerer`` suggestion for each and announces them with the
related threads (``matcher.answerers.suggested``) in the same transaction. The two reads show
the same to a caller, filtered by what the caller may see.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, may_see, may_see_person
from peerlearn.errors import NotFound
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters import routing_rounds, store
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.matching import Scored
from peerlearn_matcher.domain.routing import FOLLOW_UP_ROUNDS, answerers, answerers_wanted, related
from peerlearn_matcher.domain.threads import ThreadRecord
from peerlearn_matcher.usecases.matcher import Matcher


async def route_thread(matcher: Matcher, tx: Transaction, thread_id: str) -> set[str]:
    """(Re)compute a question's answerers and related threads; return whose lists changed."""
    engine = matcher.index.engine
    thread = engine.threads.get(thread_id)
    scored: list[Scored] = []
    if thread is not None and thread.answerable:
        # Routed again for want of an answer (usecases.follow_through): the first people stay
        # and the next ones join them, here and in any later re-route of the question.
        rounds = await routing_rounds.rounds_of(tx.session, thread_id)
        scored = answerers(engine, thread_id, limit=answerers_wanted(engine, rounds))
    asked = events.Reason(text=f"a new question you may answer: {thread.title}" if thread else "")
    created = store.now()
    rows = [
        {
            "id": events.new_id(),
            "person_id": item.candidate_id,
            "candidate_id": thread.author_id if thread else "",
            "score": round(item.score, 6),
            "rank": rank,
            # The answerer may read this space (they were chosen so): the title may show.
            "reasons": [asked, *item.reasons],
            "features": [round(f, 6) for f in item.features],
            "created_at": created,
        }
        for rank, item in enumerate(scored, 1)
    ]
    old = await suggested.replace_answerers(tx.session, thread_id, rows)
    for item in scored:
        engine.exposures[("answerer", item.candidate_id)].add(thread_id)
    week = matcher.index.week
    await suggested.add_exposures(tx.session, "answerer", thread_id, [s.candidate_id for s in scored], week)
    if scored:
        asked_after = created - timedelta(seconds=matcher.settings.escalate_after)
        await routing_rounds.routed(
            tx.session, thread_id, created, asked_after=asked_after, rounds=FOLLOW_UP_ROUNDS
        )
    if thread is not None:
        await _announce_answerers(matcher, tx, engine, thread, scored)
    return old | {s.candidate_id for s in scored}


async def _announce_answerers(
    matcher: Matcher, tx: Transaction, engine: Engine, thread: ThreadRecord, scored: list[Scored]
) -> None:
    shown = related(engine, thread.id) if thread.kind == "question" or thread.accepted_post_id else []
    data = events.AnswerersSuggested(
        thread_id=thread.id,
        answerers=[
            events.SuggestedAnswerer(
                person_id=s.candidate_id,
                display_name=engine.people.records[s.candidate_id].profile.display_name,
                score=round(s.score, 6),
                reasons=s.reasons,
            )
            for s in scored
        ],
        related=[
            events.RelatedThread(thread_id=key, title=engine.threads[key].title, score=round(score, 6))
            for key, score in shown
        ],
    )
    await matcher.announce(tx, data, org_id=thread.org_id)


class Answerer(msgspec.Struct, frozen=True, kw_only=True):
    """A suggested answerer as a caller may see them."""

    person_id: str
    display_name: str
    score: float
    reasons: list[events.Reason]


async def _readable(
    matcher: Matcher, principal: Principal | None, thread_id: str
) -> tuple[Caller, ThreadRecord]:
    async with matcher.uow.reading() as tx:
        caller = await matcher.directory.caller_for(tx.session, principal)
    thread = matcher.index.engine.threads.get(thread_id)
    if thread is None or not may_see(caller, thread.where):
        raise NotFound(f"no thread {thread_id}")
    return caller, thread


def _shown_to(caller: Caller, engine: Engine, person_id: str) -> bool:
    # Cards the caller may see (their org, a cohort they are in or administer), or people who
    # consented to be matched across organisations.
    record = engine.people.records.get(person_id)
    if record is None:
        return False
    if record.profile.open_to_external:
        return True
    return may_see_person(caller, person_id, record.org_id, frozenset(record.cohorts))


async def thread_answerers(matcher: Matcher, principal: Principal | None, thread_id: str) -> list[Answerer]:
    """The suggested answerers of a question that the caller may see (404 for a thread they may not read)."""
    caller, thread = await _readable(matcher, principal, thread_id)
    if not caller.platform_admin and caller.org_id is None:
        # Anonymous readers of a public thread (and people not known yet) see no one:
        # open_to_external is consent to be matched across organisations, not to be listed.
        return []
    engine = matcher.index.engine
    if not thread.answerable:
        return []
    async with matcher.uow.reading() as tx:
        rounds = await routing_rounds.rounds_of(tx.session, thread_id)
    found = answerers(engine, thread_id, limit=answerers_wanted(engine, rounds))
    return [
        Answerer(
            person_id=item.candidate_id,
            display_name=engine.people.records[item.candidate_id].profile.display_name,
            score=round(item.score, 6),
            reasons=item.reasons,
        )
        for item in found
        if caller.platform_admin or _shown_to(caller, engine, item.candidate_id)
    ]


async def related_threads(
    matcher: Matcher, principal: Principal | None, thread_id: str
) -> list[tuple[str, str, float]]:
    """Answered threads close to this one among those the caller may read: (id, title, score)."""
    caller, _ = await _readable(matcher, principal, thread_id)
    engine = matcher.index.engine
    found = related(engine, thread_id, visible=lambda t: may_see(caller, t.where))
    return [(key, engine.threads[key].title, round(score, 6)) for key, score in found]
