"""Feedback that learns: a person accepts or declines one of their suggestions.

Declined candidates never come back; a declined answerer suggestion ("not my area") is about
its question, not its asker: that question never comes back to the person and similar ones
less (``Engine.record_feedback``); an accepted mentor or expert is sent a mentorship request
(:mod:`.mentorships`) that holds one unit of their capacity (so people who had them suggested
may need someone else); the feedback model is refitted on every answer so far. Feedback is
taken only on an *open* suggestion whose candidate the caller may still see (a cohort left
since, an erased candidate, a thread no longer readable): anything else is 404, as if the
suggestion did not exist.
"""

from __future__ import annotations

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, may_see, may_see_person
from peerlearn.errors import NotFound
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.adapters.suggestion_store import StoredSuggestion
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.usecases import mentorships
from peerlearn_matcher.usecases.matcher import Effects, Matcher
from peerlearn_matcher.usecases.suggestions import apply_effects


def still_visible(caller: Caller, engine: Engine, suggestion: StoredSuggestion) -> bool:
    """Whether the caller may still see what ``suggestion`` shows them."""
    if suggestion.kind == "answerer":
        thread = engine.threads.get(suggestion.thread_id or "")
        return thread is not None and thread.answerable and may_see(caller, thread.where)
    record = engine.people.records.get(suggestion.candidate_id)
    if record is None:
        return False
    # Matchable as the engine matches: their card is visible to the caller, or they consented
    # to be matched across organisations.
    return record.profile.open_to_external or may_see_person(
        caller, record.id, record.org_id, frozenset(record.cohorts)
    )


async def give_feedback(
    matcher: Matcher, principal: Principal | None, suggestion_id: str, action: str, rating: int | None
) -> StoredSuggestion:
    """Accept or decline one of the caller's open suggestions; return it as it now stands."""
    engine = matcher.index.engine
    async with matcher.index.writing(matcher.uow) as tx:
        caller = await matcher.directory.caller_for(tx.session, principal)
        suggestion = await suggested.get_suggestion(tx.session, suggestion_id)
        if (
            suggestion is None
            or caller.person_id is None
            or suggestion.person_id != caller.person_id
            or suggestion.status != "open"
            or not still_visible(caller, engine, suggestion)
        ):
            raise NotFound(f"no suggestion {suggestion_id}")
        person_id = caller.person_id
        await suggested.set_status(
            tx.session, suggestion_id, "accepted" if action == "accept" else "declined"
        )
        await suggested.put_feedback(tx.session, suggestion, action, rating)
        data = events.SuggestionFeedback(
            suggestion_id=suggestion.id,
            person_id=suggestion.person_id,
            candidate_id=suggestion.candidate_id,
            kind=suggestion.kind,  # type: ignore[arg-type]
            action=action,  # type: ignore[arg-type]
            rating=rating,
            features=suggestion.features,
            thread_id=suggestion.thread_id,
        )
        await matcher.announce(tx, data, org_id=caller.org_id)
        if suggestion.kind in ("mentor", "expert") and action == "accept":
            # The mentor is asked; the request holds their slot (409, nothing kept, if none is left).
            await mentorships.open_request(matcher, tx, suggestion, caller.org_id or "")
        await matcher.index.changed(tx, "person", suggestion.person_id, suggestion.candidate_id)
        await matcher.index.changed(tx, "model", "")
        engine.record_feedback(
            suggestion.person_id, suggestion.candidate_id, suggestion.kind, action, suggestion.thread_id
        )
        features, labels = await suggested.training_data(tx.session)
        engine.model.fit(features, labels)
        touched = {person_id}
        if suggestion.kind in ("mentor", "expert") and action == "accept":
            # Their capacity shrank: people who had them suggested may need someone else.
            touched |= set(await suggested.people_suggested(tx.session, suggestion.candidate_id))
        await apply_effects(matcher, tx, Effects(people=touched))
        result = await suggested.get_suggestion(tx.session, suggestion_id)
    assert result is not None
    return result
