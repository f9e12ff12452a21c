"""A person's suggestions, their live stream, and feedback on them (thin controllers).

Who may see what (DESIGN §6): a person reads only their own suggestions and stream (anyone
else's answer 404, as if they did not exist), and answers only their own open suggestions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import get, post
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK

from peerlearn.auth import Principal
from peerlearn.events import SuggestionsUpdated
from peerlearn_matcher.adapters.feed import CLOSED
from peerlearn_matcher.adapters.suggestion_store import StoredSuggestion
from peerlearn_matcher.http import SignedInController
from peerlearn_matcher.http.schemas import FeedbackIn, SuggestionOut, SuggestionPage
from peerlearn_matcher.usecases import feedback, suggestions
from peerlearn_matcher.usecases.matcher import Matcher

SuggestionKindParam = Annotated[
    str | None, Parameter(query="kind", pattern="^(peer|mentor|expert|answerer)$", required=False)
]


def suggestion_out(matcher: Matcher, s: StoredSuggestion) -> SuggestionOut:
    """A stored suggestion as the API shows it, with the candidate's current name."""
    return SuggestionOut(
        id=s.id,
        kind=s.kind,
        candidate_id=s.candidate_id,
        candidate_name=suggestions.candidate_name(matcher, s.candidate_id),
        thread_id=s.thread_id,
        score=s.score,
        reasons=s.reasons,
        status=s.status,
        created_at=s.created_at,
    )


def _message(update: SuggestionsUpdated) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=msgspec.json.encode(update).decode(), event="suggestions")


class SuggestionsController(SignedInController):
    """A person's suggestions and feedback."""

    @get("/v1/people/{person_id:str}/suggestions", summary="A person's suggestions")
    async def suggestions(
        self,
        matcher: Matcher,
        principal: Principal | None,
        person_id: str,
        kind: SuggestionKindParam = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Parameter(pattern="^[0-9]{1,6}$")] = None,
    ) -> SuggestionPage:
        """Open suggestions, best first within each kind (peer, mentor, expert, answerer)."""
        offset = int(cursor or 0)
        found, more = await suggestions.list_suggestions(matcher, principal, person_id, kind, offset, limit)
        return SuggestionPage(
            person_id=person_id,
            items=[suggestion_out(matcher, s) for s in found],
            next_cursor=str(offset + limit) if more else None,
        )

    @get(
        "/v1/people/{person_id:str}/suggestions/stream",
        summary="New suggestions as they come (server-sent events)",
    )
    async def stream(self, matcher: Matcher, principal: Principal | None, person_id: str) -> ServerSentEvent:
        """The current list, then every new one (event ``suggestions``) while the tab is open."""
        await suggestions.require_person(matcher, principal, person_id)
        matcher.feed.admit(person_id)
        expires_at = principal.expires_at if principal is not None else None

        async def updates() -> AsyncIterator[ServerSentEventMessage]:
            async with matcher.feed.subscribe(person_id) as queue:
                first = await suggestions.opening_list(matcher, principal, person_id)
                if first is not None:
                    yield _message(first)
                while True:
                    # The stream ends when the token expires (the tab signs in again) or the
                    # person is erased; it never outlives the credential that opened it.
                    left = (expires_at - datetime.now(UTC)).total_seconds() if expires_at else None
                    if left is not None and left <= 0:
                        return
                    try:
                        update = await asyncio.wait_for(queue.get(), left)
                    except TimeoutError:
                        return
                    if update is CLOSED:
                        return
                    yield _message(update)

        return ServerSentEvent(updates())

    @post(
        "/v1/suggestions/{suggestion_id:str}/feedback",
        status_code=HTTP_200_OK,
        summary="Accept or decline a suggestion",
    )
    async def feedback(
        self, matcher: Matcher, principal: Principal | None, suggestion_id: str, data: FeedbackIn
    ) -> SuggestionOut:
        """Only open suggestions whose candidate the caller may still see; declined candidates never
        come back; an accepted mentor uses one unit of their capacity."""
        stored = await feedback.give_feedback(matcher, principal, suggestion_id, data.action, data.rating)
        return suggestion_out(matcher, stored)
