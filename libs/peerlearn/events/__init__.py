"""Every event peerlearn's services exchange: one module per producer, one registry.

- :mod:`peerlearn.events.base`: the envelope (:class:`Event`), :class:`Data`, ids.
- :mod:`peerlearn.events.profiles`, :mod:`.forum`, :mod:`.matcher`: each producer's subjects
  (constants, never built inline) and payloads (frozen msgspec Structs), owned by that producer.
- :mod:`peerlearn.events.registry`: the ``(type, version)`` registry joined from the producers,
  :func:`make_event`, :func:`encode`, :func:`decode`.
- :mod:`peerlearn.events.streams`: the streams, their subjects, dead letters.

Schema evolution follows msgspec's rules: a new field always gets a default, so old
consumers ignore it and new consumers read old events; a breaking change is a new
version registered beside the old one. Each event carries what a consumer needs to act
without calling back, so read models can be rebuilt from the streams alone.

Everything is re-exported here, so ``from peerlearn import events; events.PERSON_UPSERTED``
reads the same wherever the name is defined.
"""

from peerlearn.events.base import (
    Data,
    Event,
    EventDecodeError,
    new_id,
)
from peerlearn.events.forum import (
    ANSWER_ACCEPTED,
    POST_CREATED,
    POST_DELETED,
    POST_UPDATED,
    POST_VOTED,
    THREAD_CREATED,
    THREAD_DELETED,
    THREAD_UPDATED,
    AnswerAccepted,
    PostCreated,
    PostDeleted,
    PostUpdated,
    PostVoted,
    ThreadCreated,
    ThreadDeleted,
    ThreadKind,
    ThreadSnapshot,
    ThreadUpdated,
    Visibility,
)
from peerlearn.events.matcher import (
    ANSWERERS_SUGGESTED,
    SUGGESTION_FEEDBACK,
    SUGGESTIONS_UPDATED,
    AnswerersSuggested,
    Reason,
    RelatedThread,
    SuggestedAnswerer,
    SuggestionFeedback,
    SuggestionItem,
    SuggestionKind,
    SuggestionsUpdated,
)
from peerlearn.events.profiles import (
    COHORT_CREATED,
    COHORT_MEMBER_ADDED,
    COHORT_MEMBER_REMOVED,
    COHORT_ORG_JOINED,
    COHORT_ORG_LEFT,
    ORG_CREATED,
    PERSON_DELETED,
    PERSON_UPSERTED,
    CohortCreated,
    CohortMemberAdded,
    CohortMemberRemoved,
    CohortOrgJoined,
    CohortOrgLeft,
    OrgCreated,
    OrgKind,
    PersonDeleted,
    PersonProfile,
    PersonUpserted,
    Role,
    Skill,
)
from peerlearn.events.registry import (
    EVENT_TYPES,
    EVENT_TYPES_BY_CLASS,
    PRODUCERS,
    decode,
    encode,
    make_event,
)
from peerlearn.events.streams import (
    DEADLETTER_PREFIX,
    DEADLETTER_STREAM,
    STREAMS,
    DeadLetter,
    deadletter_subject,
)

__all__ = [
    "ANSWERERS_SUGGESTED",
    "ANSWER_ACCEPTED",
    "COHORT_CREATED",
    "COHORT_MEMBER_ADDED",
    "COHORT_MEMBER_REMOVED",
    "COHORT_ORG_JOINED",
    "COHORT_ORG_LEFT",
    "DEADLETTER_PREFIX",
    "DEADLETTER_STREAM",
    "EVENT_TYPES",
    "EVENT_TYPES_BY_CLASS",
    "ORG_CREATED",
    "PERSON_DELETED",
    "PERSON_UPSERTED",
    "POST_CREATED",
    "POST_DELETED",
    "POST_UPDATED",
    "POST_VOTED",
    "PRODUCERS",
    "STREAMS",
    "SUGGESTIONS_UPDATED",
    "SUGGESTION_FEEDBACK",
    "THREAD_CREATED",
    "THREAD_DELETED",
    "THREAD_UPDATED",
    "AnswerAccepted",
    "AnswerersSuggested",
    "CohortCreated",
    "CohortMemberAdded",
    "CohortMemberRemoved",
    "CohortOrgJoined",
    "CohortOrgLeft",
    "Data",
    "DeadLetter",
    "Event",
    "EventDecodeError",
    "OrgCreated",
    "OrgKind",
    "PersonDeleted",
    "PersonProfile",
    "PersonUpserted",
    "PostCreated",
    "PostDeleted",
    "PostUpdated",
    "PostVoted",
    "Reason",
    "RelatedThread",
    "Role",
    "Skill",
    "SuggestedAnswerer",
    "SuggestionFeedback",
    "SuggestionItem",
    "SuggestionKind",
    "SuggestionsUpdated",
    "ThreadCreated",
    "ThreadDeleted",
    "ThreadKind",
    "ThreadSnapshot",
    "ThreadUpdated",
    "Visibility",
    "deadletter_subject",
    "decode",
    "encode",
    "make_event",
    "new_id",
]
