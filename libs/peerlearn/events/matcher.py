"""Events the matcher produces (stream MATCHER, subjects ``matcher.*``).

Owned by the matcher: adding or changing one of its events touches this file only.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from peerlearn.events.base import Data

SUGGESTIONS_UPDATED = "matcher.suggestions.updated"
ANSWERERS_SUGGESTED = "matcher.answerers.suggested"
SUGGESTION_FEEDBACK = "matcher.suggestion.feedback"

SuggestionKind = Literal["peer", "mentor", "expert", "answerer", "related_thread"]


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    """One human-readable reason, with the skill pair behind it when there is one."""

    text: str
    mine: str | None = None
    theirs: str | None = None


class SuggestionItem(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: SuggestionKind
    candidate_id: str
    thread_id: str | None = None
    score: float
    reasons: list[Reason] = []


class SuggestionsUpdated(Data, frozen=True, kw_only=True):
    person_id: str
    suggestions: list[SuggestionItem] = []


class SuggestedAnswerer(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    display_name: str = ""
    score: float
    reasons: list[Reason] = []


class RelatedThread(msgspec.Struct, frozen=True, kw_only=True):
    thread_id: str
    title: str
    score: float


class AnswerersSuggested(Data, frozen=True, kw_only=True):
    thread_id: str
    answerers: list[SuggestedAnswerer] = []
    related: list[RelatedThread] = []


class SuggestionFeedback(Data, frozen=True, kw_only=True):
    suggestion_id: str
    person_id: str
    candidate_id: str
    kind: SuggestionKind
    action: Literal["accept", "decline"]
    rating: int | None = None
    # The ranking features of the suggestion when it was answered (matcher.matching.FEATURES),
    # so a rebuild from the streams keeps the training data of the learned ranking.
    features: list[float] = []


# What this producer registers: (subject, version) -> payload type.
EVENTS: dict[tuple[str, int], type[Data]] = {
    (SUGGESTIONS_UPDATED, 1): SuggestionsUpdated,
    (ANSWERERS_SUGGESTED, 1): AnswerersSuggested,
    (SUGGESTION_FEEDBACK, 1): SuggestionFeedback,
}
