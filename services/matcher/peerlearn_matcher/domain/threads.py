"""Threads as the matcher holds them, and who may see them (DESIGN §6).

A thread lives in a space that is org-private, cohort-shared or public. The matcher never
shows a thread (its title, its existence in a count) to someone outside its space, and what
it shows *on* a thread (related threads, answering history) must be visible to everyone who
can read that thread: :func:`visible_to_audience_of`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np


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

    def text(self) -> str:
        """What the thread vector is made of: title, tags and the start of the body."""
        tags = " ".join(self.tags)
        return f"{self.title}. {tags}. {self.body[:1000]}".strip()


def person_sees(thread: ThreadRecord, org_id: str | None, cohorts: Collection[str]) -> bool:
    """Whether a person of ``org_id`` in ``cohorts`` may read ``thread`` (anonymous: org_id None)."""
    if thread.visibility == "public":
        return True
    if thread.visibility == "org":
        return org_id is not None and thread.org_id == org_id
    if thread.visibility == "cohort":
        return thread.cohort_id is not None and thread.cohort_id in cohorts
    return False


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
