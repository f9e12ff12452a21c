"""The programme report (issue 13): what the matcher suggested and how people answered, the
mentorships, the questions and how fast they were answered, whether routed answerers answered,
the ties across orgs in each cohort, the skills most learned. Pure: rows in, a report out."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import msgspec

KINDS = ("peer", "mentor", "expert", "answerer", "related_thread")
WITHIN = timedelta(hours=24)
TOP_SKILLS = 10
UNANSWERED_SHOWN = 50


@dataclass(frozen=True)
class Question:
    """A question of the report's scope; ``title`` and ``tags`` only if the reader may see it."""

    thread_id: str
    asker_id: str
    asked_at: datetime
    title: str | None
    tags: tuple[str, ...]


class SuggestionCounts(msgspec.Struct, kw_only=True):
    kind: str
    made: int
    accepted: int
    declined: int


class Mentorships(msgspec.Struct, kw_only=True):
    requested: int  # every mentorship requested in the window, whatever became of it
    active: int
    closed: int
    declined: int
    expired: int
    mean_rating: float | None
    rated: int


class Questions(msgspec.Struct, kw_only=True):
    asked: int
    answered: int
    answered_within_24h: int
    median_hours_to_first_answer: float | None
    unanswered: int


class Routing(msgspec.Struct, kw_only=True):
    routed_answerers: int  # (question, person) pairs the matcher routed
    answered: int  # of those, how many answered the question they were routed to
    share_answered: float | None


class Unanswered(msgspec.Struct, kw_only=True):
    thread_id: str
    title: str | None  # None: a question the reader may not see
    asked_at: datetime


class CohortTies(msgspec.Struct, kw_only=True):
    cohort_id: str
    name: str
    ties: int  # distinct helper → helped pairs between the cohort's members
    cross_org_ties: int  # of those, between people of two orgs


class Skill(msgspec.Struct, kw_only=True):
    skill: str
    learned: int  # answered questions tagged with it


class Report(msgspec.Struct, kw_only=True):
    scope: Literal["org", "cohort"]
    id: str
    start: datetime | None = msgspec.field(name="from")
    end: datetime | None = msgspec.field(name="to")
    people: int
    suggestions: list[SuggestionCounts]
    mentorships: Mentorships
    questions: Questions
    routing: Routing
    unanswered: list[Unanswered]
    cohorts: list[CohortTies]
    skills: list[Skill]


def suggestion_counts(rows: Iterable[tuple[str, str | None, int]]) -> list[SuggestionCounts]:
    """Per kind, from ``(kind, action, how many)`` rows: made, accepted, declined."""
    made: Counter[str] = Counter()
    answered: Counter[tuple[str, str | None]] = Counter()
    for kind, action, n in rows:
        made[kind] += n
        answered[(kind, action)] += n
    return [
        SuggestionCounts(
            kind=k, made=made[k], accepted=answered[(k, "accept")], declined=answered[(k, "decline")]
        )
        for k in KINDS
    ]


def mentorship_counts(rows: Iterable[tuple[str, int | None, int]]) -> Mentorships:
    """From ``(status, rating, how many)`` rows; the mean rating over the closed ones rated."""
    statuses: Counter[str] = Counter()
    rated, total = 0, 0
    for status, rating, n in rows:
        statuses[status] += n
        if status == "closed" and rating is not None:
            rated, total = rated + n, total + rating * n
    return Mentorships(
        requested=sum(statuses.values()),
        active=statuses["active"],
        closed=statuses["closed"],
        declined=statuses["declined"],
        expired=statuses["expired"],
        mean_rating=round(total / rated, 2) if rated else None,
        rated=rated,
    )


def question_figures(
    questions: list[Question], first_answer: Mapping[str, datetime]
) -> tuple[Questions, list[Unanswered], list[Skill]]:
    """The questions' figures, the unanswered ones (oldest first) and the skills most learned
    (the tags of answered questions, counted once per question)."""
    waits = [
        (first_answer[q.thread_id] - q.asked_at).total_seconds() / 3600
        for q in questions
        if q.thread_id in first_answer
    ]
    unanswered = sorted((q for q in questions if q.thread_id not in first_answer), key=lambda q: q.asked_at)
    skills = Counter(tag for q in questions if q.thread_id in first_answer for tag in set(q.tags))
    figures = Questions(
        asked=len(questions),
        answered=len(waits),
        answered_within_24h=sum(1 for w in waits if w <= WITHIN.total_seconds() / 3600),
        median_hours_to_first_answer=round(statistics.median(waits), 2) if waits else None,
        unanswered=len(unanswered),
    )
    return (
        figures,
        [Unanswered(thread_id=q.thread_id, title=q.title, asked_at=q.asked_at) for q in unanswered][
            :UNANSWERED_SHOWN
        ],
        [Skill(skill=s, learned=n) for s, n in sorted(skills.items(), key=lambda kv: (-kv[1], kv[0]))][
            :TOP_SKILLS
        ],
    )


def routing_figures(routed: int, answered: int) -> Routing:
    """Of the ``routed`` (question, person) pairs, the share whose person answered that question."""
    return Routing(
        routed_answerers=routed, answered=answered, share_answered=answered / routed if routed else None
    )


def cohort_ties(
    cohort_id: str, name: str, members: Mapping[str, str], helps: Iterable[tuple[str, str]]
) -> CohortTies:
    """The distinct helper → helped pairs among ``members`` (``{person: org}``), and those across orgs."""
    pairs = {(a, b) for a, b in helps if a in members and b in members and a != b}
    return CohortTies(
        cohort_id=cohort_id,
        name=name,
        ties=len(pairs),
        cross_org_ties=sum(1 for a, b in pairs if members[a] != members[b]),
    )
