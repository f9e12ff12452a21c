"""insights' response Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

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


class LrsOut(msgspec.Struct, kw_only=True):
    org_id: str
    endpoint: str
    username: str
    updated_at: datetime
