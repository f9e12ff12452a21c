"""People as the matcher holds them in memory: profile, skill vectors, offer and need vectors.

:class:`PeopleIndex` keeps both person vectors (offer, need) in two exact indexes that share
their rows, plus per-row arrays of what filters need (org, consent, roles, capacity, timezone
offset, weekly hours), so every filter is a vectorised boolean mask over all people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peerlearn.events import PersonProfile, Skill
from peerlearn_matcher.domain.availability import utc_offset
from peerlearn_matcher.domain.vectors import DEFAULT_ANN_ABOVE, VectorIndex

MAX_LEVEL = 5
GOAL_WEIGHT = 1.0
ANSWERED_TOPICS_WEIGHT = 0.5


@dataclass
class PersonRecord:
    """One person: their profile and the vectors of their skills (rows follow ``have``/``want``)."""

    profile: PersonProfile
    have: list[Skill]
    want: list[Skill]
    have_vectors: np.ndarray
    want_vectors: np.ndarray
    goal_vector: np.ndarray | None
    cohorts: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def org_id(self) -> str:
        return self.profile.org_id


def split_skills(profile: PersonProfile) -> tuple[list[Skill], list[Skill]]:
    """Skills they have (level ≥ 1, not wanted) and skills they want to learn, de-duplicated by name."""
    have: dict[str, Skill] = {}
    want: dict[str, Skill] = {}
    for skill in profile.skills:
        key = " ".join(skill.name.split()).casefold()
        if not key:
            continue
        target = want if skill.wants else have
        if key not in target or target[key].level < skill.level:
            target[key] = skill
    return list(have.values()), list(want.values())


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 1e-9 else np.zeros_like(vector, dtype=np.float32)


def offer_vector(record: PersonRecord, answered_topics: np.ndarray | None, dim: int) -> np.ndarray:
    """What they can offer: their skills weighted by level, plus the topics they answered (public only)."""
    total = np.zeros(dim, dtype=np.float32)
    for skill, vector in zip(record.have, record.have_vectors, strict=True):
        total += vector * (max(1, min(MAX_LEVEL, skill.level)) / MAX_LEVEL)
    if answered_topics is not None and np.any(answered_topics):
        total += ANSWERED_TOPICS_WEIGHT * answered_topics
    return _unit(total)


def need_vector(record: PersonRecord, dim: int) -> np.ndarray:
    """What they need: the skills they want (lower current level weighs more) plus their goal."""
    total = np.zeros(dim, dtype=np.float32)
    for skill, vector in zip(record.want, record.want_vectors, strict=True):
        total += vector * (1.0 - 0.5 * (max(0, min(MAX_LEVEL, skill.level)) / MAX_LEVEL))
    if record.goal_vector is not None:
        total += GOAL_WEIGHT * record.goal_vector
    return _unit(total)


class PeopleIndex:
    """Offer and need indexes over the same rows, with filter attributes per row."""

    def __init__(self, dim: int, ann_above: int = DEFAULT_ANN_ABOVE) -> None:
        self.dim = dim
        self.offer = VectorIndex(dim, ann_above=ann_above)
        self.need = VectorIndex(dim, ann_above=ann_above)
        self.records: dict[str, PersonRecord] = {}
        self._org_codes: dict[str, int] = {}
        self._resize(self.offer.size)

    def _resize(self, size: int) -> None:
        def grow(array: np.ndarray | None, dtype: type, fill: object) -> np.ndarray:
            fresh: np.ndarray = np.full(size, fill, dtype=dtype)
            if array is not None:
                fresh[: len(array)] = array
            return fresh

        current = getattr(self, "org", None)
        self.org = grow(current, np.int32, -1)
        self.external = grow(getattr(self, "external", None), bool, False)
        self.is_mentor = grow(getattr(self, "is_mentor", None), bool, False)
        self.is_expert = grow(getattr(self, "is_expert", None), bool, False)
        self.capacity = grow(getattr(self, "capacity", None), np.int32, 0)
        self.offset = grow(getattr(self, "offset", None), np.float64, 0.0)
        self.hours = grow(getattr(self, "hours", None), np.float64, 0.0)
        self.has_need = grow(getattr(self, "has_need", None), bool, False)

    def org_code(self, org_id: str) -> int:
        """A small integer per org id, for vectorised comparisons."""
        return self._org_codes.setdefault(org_id, len(self._org_codes))

    def __contains__(self, person_id: str) -> bool:
        return person_id in self.records

    def __len__(self) -> int:
        return len(self.records)

    def upsert(self, record: PersonRecord, offer: np.ndarray, need: np.ndarray) -> None:
        """Put a person in (or replace them); their row's attributes follow the profile."""
        self.records[record.id] = record
        row = self.offer.upsert(record.id, offer)
        self.need.upsert(record.id, need)
        if self.offer.size != len(self.org):
            self._resize(self.offer.size)
        profile = record.profile
        self.org[row] = self.org_code(profile.org_id)
        self.external[row] = profile.open_to_external
        self.is_mentor[row] = "mentor" in profile.roles
        self.is_expert[row] = "expert" in profile.roles
        self.capacity[row] = profile.mentor_capacity
        self.offset[row] = utc_offset(profile.timezone)
        self.hours[row] = profile.weekly_hours
        self.has_need[row] = bool(np.any(need))

    def remove(self, person_id: str) -> None:
        """Drop a person from every index and attribute array at once."""
        row = self.offer.row_of.get(person_id)
        self.records.pop(person_id, None)
        self.offer.remove(person_id)
        self.need.remove(person_id)
        if row is not None:
            self.org[row] = -1
            self.external[row] = False
            self.is_mentor[row] = False
            self.is_expert[row] = False
            self.capacity[row] = 0
            self.has_need[row] = False

    def row(self, person_id: str) -> int | None:
        return self.offer.row_of.get(person_id)

    def mask(self, person_ids: object) -> np.ndarray:
        return self.offer.mask_of(person_ids)
