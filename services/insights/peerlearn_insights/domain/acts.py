"""The learning acts insights keeps per person, in the words of the issue (#13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Verb = Literal[
    "asked",  # started a question
    "discussed",  # started a discussion
    "shared",  # shared a resource
    "answered",  # answered someone else's question
    "commented",  # replied in their own thread
    "answer_accepted",  # their answer was accepted
    "accepted",  # accepted an answer to their question
    "upvoted",  # gave an upvote (aggregated in the record)
    "upvote_received",  # an upvote on their post (aggregated in the record)
    "joined_group",  # joined a study group (a cohort)
    "mentored",  # held a mentoring session as the mentor
    "attended",  # attended a mentoring session as the mentee
]
VERBS: tuple[Verb, ...] = Verb.__args__  # type: ignore[attr-defined]
AGGREGATED: frozenset[Verb] = frozenset({"upvoted", "upvote_received"})

STARTED_BY_KIND: dict[str, Verb] = {"question": "asked", "discussion": "discussed", "resource": "shared"}


@dataclass(frozen=True)
class Act:
    """One act as stored: who did what, when, about which thread or cohort, with whom."""

    event_id: str
    person_id: str
    verb: Verb
    at: datetime
    thread_id: str | None = None
    cohort_id: str | None = None
    other_id: str | None = None
    minutes: int | None = None


def reply_verb(author_id: str, asker_id: str | None) -> Verb:
    """A post in someone else's thread answers it; in one's own thread it is a comment."""
    return "commented" if asker_id is not None and author_id == asker_id else "answered"
