"""Events the profiles service produces (stream PROFILES, subjects ``profiles.*``).

Owned by profiles: adding or changing one of its events touches this file only. A new
field always gets a default (old consumers ignore it, new consumers read old events); a
breaking change is a new version registered beside the old one.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from peerlearn.events.base import Data

ORG_CREATED = "profiles.org.created"
PERSON_UPSERTED = "profiles.person.upserted"
PERSON_DELETED = "profiles.person.deleted"
COHORT_CREATED = "profiles.cohort.created"
COHORT_ORG_JOINED = "profiles.cohort.org_joined"
COHORT_ORG_LEFT = "profiles.cohort.org_left"
COHORT_MEMBER_ADDED = "profiles.cohort.member_added"
COHORT_MEMBER_REMOVED = "profiles.cohort.member_removed"

Role = Literal["learner", "mentor", "expert", "org_admin"]
OrgKind = Literal["partner", "community"]


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


# What this producer registers: (subject, version) -> payload type.
EVENTS: dict[tuple[str, int], type[Data]] = {
    (ORG_CREATED, 1): OrgCreated,
    (PERSON_UPSERTED, 1): PersonUpserted,
    (PERSON_DELETED, 1): PersonDeleted,
    (COHORT_CREATED, 1): CohortCreated,
    (COHORT_ORG_JOINED, 1): CohortOrgJoined,
    (COHORT_ORG_LEFT, 1): CohortOrgLeft,
    (COHORT_MEMBER_ADDED, 1): CohortMemberAdded,
    (COHORT_MEMBER_REMOVED, 1): CohortMemberRemoved,
}
