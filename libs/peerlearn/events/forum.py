"""Events the forum produces (stream FORUM, subjects ``forum.*``).

Owned by the forum: adding or changing one of its events touches this file only. Each
carries where its thread lives, so consumers can apply visibility without calling back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from peerlearn.events.base import Data

THREAD_CREATED = "forum.thread.created"
THREAD_UPDATED = "forum.thread.updated"
THREAD_DELETED = "forum.thread.deleted"
POST_CREATED = "forum.post.created"
POST_UPDATED = "forum.post.updated"
POST_DELETED = "forum.post.deleted"
POST_VOTED = "forum.post.voted"
ANSWER_ACCEPTED = "forum.answer.accepted"

Visibility = Literal["org", "cohort", "public"]
ThreadKind = Literal["question", "discussion", "resource"]


class ThreadSnapshot(Data, frozen=True, kw_only=True):
    """A thread as consumers need it, with where it lives so they can apply visibility."""

    thread_id: str
    space_id: str
    visibility: Visibility
    org_id: str | None = None
    cohort_id: str | None = None
    author_id: str
    kind: ThreadKind
    title: str
    body: str = ""
    tags: list[str] = []
    url: str | None = None
    accepted_post_id: str | None = None
    created_at: datetime | None = None


class ThreadCreated(ThreadSnapshot, frozen=True, kw_only=True):
    pass


class ThreadUpdated(ThreadSnapshot, frozen=True, kw_only=True):
    pass


class ThreadDeleted(Data, frozen=True, kw_only=True):
    thread_id: str
    space_id: str


class PostCreated(Data, frozen=True, kw_only=True):
    post_id: str
    thread_id: str
    thread_title: str
    body: str
    tags: list[str] = []
    space_id: str
    visibility: Visibility
    org_id: str | None = None
    cohort_id: str | None = None
    author_id: str
    asker_id: str | None = None


class PostUpdated(Data, frozen=True, kw_only=True):
    post_id: str
    thread_id: str
    body: str


class PostDeleted(Data, frozen=True, kw_only=True):
    post_id: str
    thread_id: str


class PostVoted(Data, frozen=True, kw_only=True):
    """A vote on a post (or, with ``post_id`` None, on the thread itself)."""

    thread_id: str
    post_id: str | None = None
    voter_id: str
    author_id: str
    value: int
    score: int


class AnswerAccepted(Data, frozen=True, kw_only=True):
    thread_id: str
    post_id: str
    answer_author_id: str
    asker_id: str
    space_id: str
    visibility: Visibility
    org_id: str | None = None
    cohort_id: str | None = None
    title: str = ""
    tags: list[str] = []
    reputation: int = 0  # the answer author's reputation after this acceptance
    previous_post_id: str | None = None  # set when acceptance moved from another post


# What this producer registers: (subject, version) -> payload type.
EVENTS: dict[tuple[str, int], type[Data]] = {
    (THREAD_CREATED, 1): ThreadCreated,
    (THREAD_UPDATED, 1): ThreadUpdated,
    (THREAD_DELETED, 1): ThreadDeleted,
    (POST_CREATED, 1): PostCreated,
    (POST_UPDATED, 1): PostUpdated,
    (POST_DELETED, 1): PostDeleted,
    (POST_VOTED, 1): PostVoted,
    (ANSWER_ACCEPTED, 1): AnswerAccepted,
}
