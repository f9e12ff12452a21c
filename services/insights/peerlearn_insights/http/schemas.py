"""insights' response Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
