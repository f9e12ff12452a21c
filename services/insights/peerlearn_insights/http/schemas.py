"""insights' response Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec


class RecordEntry(msgspec.Struct, kw_only=True):
    id: str
    verb: str
    at: datetime
    thread_id: str | None = None
    title: str | None = None
    tags: list[str] = []
    cohort_id: str | None = None
    with_person: str | None = None
    minutes: int | None = None


class LearningRecord(msgspec.Struct, kw_only=True):
    person_id: str
    org_id: str
    entries: list[RecordEntry]
    upvotes_given: int
    upvotes_received: int
    tally: dict[str, int]


class XapiStatements(msgspec.Struct, kw_only=True):
    person_id: str
    statements: list[dict[str, Any]]


class LrsIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class LrsDelivery(msgspec.Struct, kw_only=True):
    """How the org's statements stand: waiting (or being retried), held by the LRS, refused for
    good (kept, tried again when the LRS is set anew); the LRS's last error and the last send."""

    pending: int
    sent: int
    failed: int
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_sent_at: datetime | None = None


class LrsOut(msgspec.Struct, kw_only=True):
    """An org's LRS, never its password. ``source`` "default": the org set none, its statements
    go to the platform's default LRS (``username`` and ``updated_at`` are then null)."""

    org_id: str
    endpoint: str
    username: str | None
    updated_at: datetime | None
    source: Literal["org", "default"] = "org"
    delivery: LrsDelivery
