"""The matcher's HTTP request and response bodies (msgspec Structs; requests reject unknown fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from peerlearn.events import Reason

Kind = Literal["peer", "mentor", "expert", "answerer", "related_thread"]


class SuggestionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    candidate_id: str
    candidate_name: str = ""
    thread_id: str | None = None
    score: float
    reasons: list[Reason] = []
    status: str = "open"
    created_at: datetime | None = None


class SuggestionPage(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    items: list[SuggestionOut]
    next_cursor: str | None = None


class FeedbackIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action: Literal["accept", "decline"]
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)] | None = None


class AnswererOut(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    display_name: str
    score: float
    reasons: list[Reason] = []


class AnswerersOut(msgspec.Struct, frozen=True, kw_only=True):
    thread_id: str
    answerers: list[AnswererOut]


class RelatedOut(msgspec.Struct, frozen=True, kw_only=True):
    thread_id: str
    title: str
    score: float


class RelatedPage(msgspec.Struct, frozen=True, kw_only=True):
    thread_id: str
    related: list[RelatedOut]


class GroupsIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    size: Annotated[int, msgspec.Meta(ge=2, le=50)]


class MemberOut(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    display_name: str
    org_id: str


class GroupOut(msgspec.Struct, frozen=True, kw_only=True):
    members: list[MemberOut]
    org_ids: list[str]
    topics: list[str]
    coherence: float
    reasons: list[str]


class GroupsOut(msgspec.Struct, frozen=True, kw_only=True):
    cohort_id: str
    size: int
    groups: list[GroupOut]


class AssignmentIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Optional body; nothing to set yet (kept so the call can grow options)."""


class PairOut(msgspec.Struct, frozen=True, kw_only=True):
    learner: MemberOut
    mentor: MemberOut
    quality: float
    reasons: list[Reason] = []


class AssignmentOut(msgspec.Struct, frozen=True, kw_only=True):
    cohort_id: str
    pairs: list[PairOut]
    unassigned: dict[str, str]
    total_quality: float
    greedy_total_quality: float
    improvement_over_greedy: float
