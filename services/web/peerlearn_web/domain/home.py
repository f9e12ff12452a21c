"""What a learner's home shows: suggestions grouped by kind, each with its reasons, and the
questions the matcher routed to them."""

from __future__ import annotations

from typing import Any

import msgspec

# The order a learner reads them in: who can teach me, who outside can, who learns alongside.
KIND_ORDER = ("mentor", "expert", "peer")
KIND_TITLES = {
    "mentor": "Mentors in your organisation",
    "expert": "Experts from partner organisations",
    "peer": "Peers learning the same things",
}
ROUTED_PREFIX = "a new question you may answer: "


class Suggestion(msgspec.Struct, frozen=True, kw_only=True):
    """One open suggestion as a page shows it."""

    id: str
    kind: str
    candidate_id: str
    candidate_name: str
    thread_id: str | None
    reasons: tuple[str, ...]


class RoutedQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A question the matcher thinks this person can answer, and why."""

    suggestion_id: str
    thread_id: str
    title: str
    reasons: tuple[str, ...]


class SuggestionGroup(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    title: str
    items: tuple[Suggestion, ...]


class Home(msgspec.Struct, frozen=True, kw_only=True):
    """The learner's home page."""

    groups: tuple[SuggestionGroup, ...]
    routed_questions: tuple[RoutedQuestion, ...]

    @property
    def has_suggestions(self) -> bool:
        """Whether any person is suggested (else the page asks for a profile)."""
        return any(group.items for group in self.groups)


def _reason_text(reason: Any) -> str:
    if isinstance(reason, dict):
        return str(reason.get("text") or "")
    return str(reason)


def suggestion_of(raw: dict[str, Any]) -> Suggestion:
    """A matcher suggestion (JSON) as a page value; unknown fields are ignored."""
    return Suggestion(
        id=str(raw["id"]),
        kind=str(raw.get("kind", "")),
        candidate_id=str(raw.get("candidate_id", "")),
        candidate_name=str(raw.get("candidate_name") or "someone"),
        thread_id=raw.get("thread_id"),
        reasons=tuple(t for t in (_reason_text(r) for r in raw.get("reasons") or []) if t),
    )


def routed_question_of(suggestion: Suggestion) -> RoutedQuestion:
    """An answerer suggestion as a question: its title is the matcher's first reason."""
    reasons = list(suggestion.reasons)
    title = "A question you may answer"
    if reasons and reasons[0].startswith(ROUTED_PREFIX):
        title = reasons.pop(0)[len(ROUTED_PREFIX) :] or title
    return RoutedQuestion(
        suggestion_id=suggestion.id, thread_id=suggestion.thread_id or "", title=title, reasons=tuple(reasons)
    )


def compose_home(suggestions: list[dict[str, Any]]) -> Home:
    """Group open suggestions by kind in reading order; answerer ones become routed questions.

    Suggestions of kinds the page does not know yet are left out rather than shown unlabelled.
    """
    values = [suggestion_of(s) for s in suggestions if s.get("status", "open") == "open"]
    groups = tuple(
        SuggestionGroup(kind=k, title=KIND_TITLES[k], items=tuple(v for v in values if v.kind == k))
        for k in KIND_ORDER
    )
    routed = tuple(routed_question_of(v) for v in values if v.kind == "answerer" and v.thread_id)
    return Home(groups=groups, routed_questions=routed)
