"""Threads as the matcher holds them, and who may see them (DESIGN §6).

A thread lives in a space that is org-private, cohort-shared or public. Whether a caller may
read it is the directory's rule (:func:`peerlearn.directory.caller.may_see` on the thread's
:attr:`ThreadRecord.where`), the same rule the forum applies. What the matcher shows *on* a
thread (related threads, answering history) must be visible to everyone who can read that
thread: :func:`visible_to_audience_of`.

The thread-record field map lives here once: :meth:`ThreadRecord.from_snapshot` (an event),
:meth:`ThreadRecord.from_row` (a stored row) and :meth:`ThreadRecord.row` (what is stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import numpy as np

from peerlearn.directory.caller import Where
from peerlearn.events import ThreadSnapshot


@dataclass
class ThreadRecord:
    """One forum thread: where it lives, its text, its accepted answer's author, its answerers."""

    id: str
    space_id: str
    visibility: str
    org_id: str | None
    cohort_id: str | None
    author_id: str
    kind: str
    title: str
    body: str = ""
    tags: list[str] = field(default_factory=list)
    accepted_post_id: str | None = None
    accepted_author_id: str | None = None
    vector: np.ndarray | None = None

    @classmethod
    def from_snapshot(cls, data: ThreadSnapshot) -> ThreadRecord:
        """The thread as a ``forum.thread.created|updated`` event describes it (``thread_id`` is its id)."""
        return cls(**_attributes(data, _SNAPSHOT_FIELDS), id=data.thread_id)

    @classmethod
    def from_row(cls, row: Any) -> ThreadRecord:
        """The thread as the store keeps it (a row with the columns :meth:`row` writes)."""
        return cls(**_attributes(row, _STORED_FIELDS))

    def row(self, created_at: datetime | None = None) -> dict[str, Any]:
        """The columns the store keeps (everything but the vector, which is stored with its model)."""
        return {**_attributes(self, _STORED_FIELDS), "created_at": created_at}

    def text(self) -> str:
        """What the thread vector is made of: title, tags and the start of the body."""
        tags = " ".join(self.tags)
        return f"{self.title}. {tags}. {self.body[:1000]}".strip()

    @property
    def where(self) -> Where:
        """Where the thread lives, which is all its visibility depends on."""
        return Where(self.visibility, self.org_id, self.cohort_id)

    @property
    def answerable(self) -> bool:
        """A question still waiting for an accepted answer (the only threads routed to answerers)."""
        return self.kind == "question" and not self.accepted_post_id


# What the store keeps of a record, and what a thread event says of it by the same names.
_STORED_FIELDS = tuple(f.name for f in fields(ThreadRecord) if f.name != "vector")
_SNAPSHOT_FIELDS = tuple(name for name in _STORED_FIELDS if name in ThreadSnapshot.__struct_fields__)


def _attributes(source: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """``source``'s attributes of those names, its tags as a list of the record's own."""
    values = {name: getattr(source, name) for name in names}
    values["tags"] = list(values["tags"] or [])
    return values


def visible_to_audience_of(other: ThreadRecord, thread: ThreadRecord) -> bool:
    """Whether everyone who can read ``thread`` can also read ``other``."""
    if other.visibility == "public":
        return True
    if thread.visibility == "public":
        return False
    if other.visibility != thread.visibility:
        return False
    if thread.visibility == "org":
        return other.org_id is not None and other.org_id == thread.org_id
    return other.cohort_id is not None and other.cohort_id == thread.cohort_id
