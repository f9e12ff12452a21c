"""Every event peerlearn's services exchange, in one place.

An event travels as one JSON envelope (DESIGN §2): ``id`` (time-ordered, also the
``Nats-Msg-Id``), ``type`` (also the subject), ``version``, ``occurred_at``, ``org_id``,
``actor_id`` and ``data``. ``data`` is one of the frozen Structs below, chosen by
``(type, version)`` through :data:`EVENT_TYPES` — a registry kept as data.

Schema evolution follows msgspec's rules: a new field always gets a default, so old
consumers ignore it and new consumers read old events; a breaking change is a new
version registered beside the old one. Each event carries what a consumer needs to act
without calling back (the person's skills, the post's text and visibility), so the
matcher and the forum can rebuild their read models from the streams alone.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from typing import Any, Literal

import msgspec

# --- subjects: constants, never built inline ------------------------------------------

ORG_CREATED = "profiles.org.created"
PERSON_UPSERTED = "profiles.person.upserted"
PERSON_DELETED = "profiles.person.deleted"
COHORT_CREATED = "profiles.cohort.created"
COHORT_ORG_JOINED = "profiles.cohort.org_joined"
COHORT_ORG_LEFT = "profiles.cohort.org_left"
COHORT_MEMBER_ADDED = "profiles.cohort.member_added"
COHORT_MEMBER_REMOVED = "profiles.cohort.member_removed"
THREAD_CREATED = "forum.thread.created"
THREAD_UPDATED = "forum.thread.updated"
THREAD_DELETED = "forum.thread.deleted"
POST_CREATED = "forum.post.created"
POST_UPDATED = "forum.post.updated"
POST_DELETED = "forum.post.deleted"
POST_VOTED = "forum.post.voted"
ANSWER_ACCEPTED = "forum.answer.accepted"
SUGGESTIONS_UPDATED = "matcher.suggestions.updated"
ANSWERERS_SUGGESTED = "matcher.answerers.suggested"
SUGGESTION_FEEDBACK = "matcher.suggestion.feedback"

# Streams and the subjects they hold (DESIGN §2).
STREAMS: dict[str, list[str]] = {
    "PROFILES": ["profiles.>"],
    "FORUM": ["forum.>"],
    "MATCHER": ["matcher.>"],
}
DEADLETTER_PREFIX = "deadletter"
DEADLETTER_STREAM = "DEADLETTER"


def deadletter_subject(stream: str) -> str:
    """The subject a message of ``stream`` goes to after it failed ``max_deliver`` times."""
    return f"{DEADLETTER_PREFIX}.{stream.lower()}"


# --- shared shapes --------------------------------------------------------------------

Role = Literal["learner", "mentor", "expert", "org_admin"]
OrgKind = Literal["partner", "community"]
Visibility = Literal["org", "cohort", "public"]
ThreadKind = Literal["question", "discussion", "resource"]
SuggestionKind = Literal["peer", "mentor", "expert", "answerer", "related_thread"]


class Data(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event payload."""


class Skill(msgspec.Struct, frozen=True, kw_only=True):
    """A skill as a person wrote it: ``wants`` means they want to learn it, ``level`` is now."""

    name: str
    level: int
    wants: bool = False


class PersonProfile(msgspec.Struct, frozen=True, kw_only=True):
    """What other services may know of a person: everything the matcher needs, never the email."""

    id: str
    org_id: str
    display_name: str
    roles: list[Role] = []
    bio: str = ""
    goal: str = ""
    timezone: str = "UTC"
    weekly_hours: float = 0.0
    mentor_capacity: int = 0
    open_to_external: bool = False
    skills: list[Skill] = []
    cohort_ids: list[str] = []


# --- profiles.* -----------------------------------------------------------------------


class OrgCreated(Data, frozen=True, kw_only=True):
    org_id: str
    name: str
    kind: OrgKind


class PersonUpserted(Data, frozen=True, kw_only=True):
    person: PersonProfile


class PersonDeleted(Data, frozen=True, kw_only=True):
    """The person is erased (GDPR): consumers drop every trace of them."""

    person_id: str
    org_id: str


class CohortCreated(Data, frozen=True, kw_only=True):
    cohort_id: str
    name: str
    owner_org_id: str
    topic: str = ""
    member_org_ids: list[str] = []
    starts_on: date | None = None
    ends_on: date | None = None


class CohortOrgJoined(Data, frozen=True, kw_only=True):
    cohort_id: str
    org_id: str


class CohortOrgLeft(Data, frozen=True, kw_only=True):
    """The org left the cohort; its people are no longer members (member_removed follows each)."""

    cohort_id: str
    org_id: str


class CohortMemberAdded(Data, frozen=True, kw_only=True):
    cohort_id: str
    person_id: str
    org_id: str


class CohortMemberRemoved(Data, frozen=True, kw_only=True):
    cohort_id: str
    person_id: str
    org_id: str


# --- forum.* --------------------------------------------------------------------------


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


# --- matcher.* ------------------------------------------------------------------------


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


# --- the registry and the envelope ----------------------------------------------------

EVENT_TYPES: dict[tuple[str, int], type[Data]] = {
    (ORG_CREATED, 1): OrgCreated,
    (PERSON_UPSERTED, 1): PersonUpserted,
    (PERSON_DELETED, 1): PersonDeleted,
    (COHORT_CREATED, 1): CohortCreated,
    (COHORT_ORG_JOINED, 1): CohortOrgJoined,
    (COHORT_ORG_LEFT, 1): CohortOrgLeft,
    (COHORT_MEMBER_ADDED, 1): CohortMemberAdded,
    (COHORT_MEMBER_REMOVED, 1): CohortMemberRemoved,
    (THREAD_CREATED, 1): ThreadCreated,
    (THREAD_UPDATED, 1): ThreadUpdated,
    (THREAD_DELETED, 1): ThreadDeleted,
    (POST_CREATED, 1): PostCreated,
    (POST_UPDATED, 1): PostUpdated,
    (POST_DELETED, 1): PostDeleted,
    (POST_VOTED, 1): PostVoted,
    (ANSWER_ACCEPTED, 1): AnswerAccepted,
    (SUGGESTIONS_UPDATED, 1): SuggestionsUpdated,
    (ANSWERERS_SUGGESTED, 1): AnswerersSuggested,
    (SUGGESTION_FEEDBACK, 1): SuggestionFeedback,
}
EVENT_TYPES_BY_CLASS: dict[type[Data], tuple[str, int]] = {cls: key for key, cls in EVENT_TYPES.items()}


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope. ``type`` is also the NATS subject; ``id`` is the ``Nats-Msg-Id``."""

    id: str
    type: str
    version: int
    occurred_at: datetime
    org_id: str | None
    actor_id: str | None
    data: Data


class _RawEvent(msgspec.Struct, kw_only=True):
    id: str
    type: str
    version: int = 1
    occurred_at: datetime
    org_id: str | None = None
    actor_id: str | None = None
    data: msgspec.Raw


class EventDecodeError(ValueError):
    """A payload that is not a known, well-formed event; consumers dead-letter it."""


_counter = 0


def new_id() -> str:
    """A unique, time-ordered id: 12 hex digits of milliseconds, then 16 random hex digits.

    Sorting ids as strings sorts them by creation time, which keeps cursors and outbox
    order simple; the random tail keeps replicas from colliding.
    """
    global _counter
    _counter = (_counter + 1) & 0xFFFF
    millis = time.time_ns() // 1_000_000
    return f"{millis:012x}{_counter:04x}{os.urandom(6).hex()}"


def make_event(
    data: Data,
    *,
    org_id: str | None = None,
    actor_id: str | None = None,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Wrap ``data`` in an envelope, taking its type and version from the registry."""
    try:
        type_, version = EVENT_TYPES_BY_CLASS[type(data)]
    except KeyError:
        raise TypeError(f"{type(data).__name__} is not a registered event") from None
    return Event(
        id=event_id or new_id(),
        type=type_,
        version=version,
        occurred_at=occurred_at or datetime.now(UTC),
        org_id=org_id,
        actor_id=actor_id,
        data=data,
    )


_encoder = msgspec.json.Encoder()
_raw_decoder = msgspec.json.Decoder(_RawEvent)
_data_decoders: dict[tuple[str, int], msgspec.json.Decoder[Any]] = {
    key: msgspec.json.Decoder(cls) for key, cls in EVENT_TYPES.items()
}


def encode(event: Event) -> bytes:
    """The event as JSON bytes."""
    return _encoder.encode(event)


def decode(payload: bytes) -> Event:
    """Parse an envelope and its data; raise :class:`EventDecodeError` saying what is wrong."""
    try:
        raw = _raw_decoder.decode(payload)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(f"malformed envelope: {exc}") from exc
    decoder = _data_decoders.get((raw.type, raw.version))
    if decoder is None:
        raise EventDecodeError(f"unknown event type {raw.type!r} version {raw.version}")
    try:
        data = decoder.decode(raw.data)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(f"malformed data of {raw.type} v{raw.version}: {exc}") from exc
    return Event(
        id=raw.id,
        type=raw.type,
        version=raw.version,
        occurred_at=raw.occurred_at,
        org_id=raw.org_id,
        actor_id=raw.actor_id,
        data=data,
    )


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    """What an operator sees of a message that could not be processed."""

    stream: str
    subject: str
    consumer: str
    stream_seq: int
    deliveries: int
    error: str
    msg_id: str | None
    payload: str  # the original payload, as text (JSON events are text)
    failed_at: datetime
