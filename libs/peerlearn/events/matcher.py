"""Events the matcher produces (stream MATCHER, subjects ``matcher.*``).

Owned by the matcher: adding or changing one of its events touches this file only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from peerlearn.events.base import Data

SUGGESTIONS_UPDATED = "matcher.suggestions.updated"
ANSWERERS_SUGGESTED = "matcher.answerers.suggested"
SUGGESTION_FEEDBACK = "matcher.suggestion.feedback"
MENTORSHIP_REQUESTED = "matcher.mentorship.requested"
MENTORSHIP_ACCEPTED = "matcher.mentorship.accepted"
MENTORSHIP_DECLINED = "matcher.mentorship.declined"
MENTORSHIP_EXPIRED = "matcher.mentorship.expired"
MENTORSHIP_SESSION_LOGGED = "matcher.mentorship.session_logged"
MENTORSHIP_CLOSED = "matcher.mentorship.closed"

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
    # The question of an answerer suggestion ("not my area" is about it, not about its asker),
    # so a rebuild restores which questions the person declined.
    thread_id: str | None = None


class ProposedTime(msgspec.Struct, frozen=True, kw_only=True):
    """A proposed first session, with its local start for each of the two people."""

    start: datetime
    end: datetime
    mentee_local: str
    mentor_local: str


class MentorshipRequested(Data, frozen=True, kw_only=True):
    """A learner accepted a mentor or expert suggestion: the mentor is asked (names, never emails)."""

    mentorship_id: str
    mentee_id: str
    mentor_id: str
    mentee_name: str = ""
    mentor_name: str = ""
    kind: Literal["mentor", "expert"] = "mentor"
    suggestion_id: str = ""
    goal: str = ""
    reasons: list[Reason] = []
    expires_at: datetime | None = None


class MentorshipAccepted(Data, frozen=True, kw_only=True):
    """The mentor agreed: the introduction (reasons, goal, proposed first-session times)."""

    mentorship_id: str
    mentee_id: str
    mentor_id: str
    mentee_name: str = ""
    mentor_name: str = ""
    goal: str = ""
    reasons: list[Reason] = []
    mentee_timezone: str = "UTC"
    mentor_timezone: str = "UTC"
    proposed_times: list[ProposedTime] = []


class MentorshipDeclined(Data, frozen=True, kw_only=True):
    mentorship_id: str
    mentee_id: str
    mentor_id: str


class MentorshipExpired(Data, frozen=True, kw_only=True):
    mentorship_id: str
    mentee_id: str
    mentor_id: str


class MentorshipSessionLogged(Data, frozen=True, kw_only=True):
    """A session the two had (never its notes: they stay with the two of them)."""

    mentorship_id: str
    mentee_id: str
    mentor_id: str
    session_id: str
    at: datetime
    minutes: int
    topics: list[str] = []
    logged_by: str = ""


class MentorshipClosed(Data, frozen=True, kw_only=True):
    """A mentorship ended; ``rating`` and ``met`` are training data for the ranking."""

    mentorship_id: str
    mentee_id: str
    mentor_id: str
    suggestion_id: str = ""
    rating: int | None = None
    met: bool = False
    sessions: int = 0
    closed_by: str = ""
    # Why it closed: "closed" (a party closed it), "erased" (a party was erased), "cohort_left"
    # (a cross-org pair no longer shares the cohort that let them be matched).
    reason: str = "closed"
    features: list[float] = []


# What this producer registers: (subject, version) -> payload type.
EVENTS: dict[tuple[str, int], type[Data]] = {
    (SUGGESTIONS_UPDATED, 1): SuggestionsUpdated,
    (ANSWERERS_SUGGESTED, 1): AnswerersSuggested,
    (SUGGESTION_FEEDBACK, 1): SuggestionFeedback,
    (MENTORSHIP_REQUESTED, 1): MentorshipRequested,
    (MENTORSHIP_ACCEPTED, 1): MentorshipAccepted,
    (MENTORSHIP_DECLINED, 1): MentorshipDeclined,
    (MENTORSHIP_EXPIRED, 1): MentorshipExpired,
    (MENTORSHIP_SESSION_LOGGED, 1): MentorshipSessionLogged,
    (MENTORSHIP_CLOSED, 1): MentorshipClosed,
}
