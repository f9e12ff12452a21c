"""The JetStream streams and the subjects each holds (DESIGN §2), and where dead letters go."""

from __future__ import annotations

from datetime import datetime

import msgspec

STREAMS: dict[str, list[str]] = {
    "PROFILES": ["profiles.>"],
    "FORUM": ["forum.>"],
    "MATCHER": ["matcher.>"],
    # Contact details: only notify may read them (peerlearn.nats_access).
    "CONTACTS": ["contacts.>"],
}
# Messages kept per subject where not all are (the default keeps everything): CONTACTS keeps each
# person's newest contact only (one subject per person, see peerlearn.events.contacts).
KEEP_PER_SUBJECT: dict[str, int] = {"CONTACTS": 1}
DEADLETTER_PREFIX = "deadletter"
DEADLETTER_STREAM = "DEADLETTER"


def deadletter_subject(stream: str) -> str:
    """The subject a message of ``stream`` goes to after it failed ``max_deliver`` times."""
    return f"{DEADLETTER_PREFIX}.{stream.lower()}"


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
