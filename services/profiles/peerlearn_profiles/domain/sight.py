"""Who sees whom (DESIGN §6), free of HTTP, SQL and NATS: the caller as the rules need them,
and how much of a person they see."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Viewer:
    """The caller as the rules need them: their org, roles and the cohorts they are in."""

    person_id: str | None
    org_id: str | None
    roles: tuple[str, ...] = ()
    platform_admin: bool = False
    cohort_ids: frozenset[str] = field(default_factory=frozenset)
    # Cohorts the viewer's org is a member of while the viewer is its admin: they see those
    # cohorts' members' cards, as in every service (DESIGN §6; they plan groups and mentors).
    admin_cohort_ids: frozenset[str] = field(default_factory=frozenset)

    def administers(self, org_id: str) -> bool:
        """Whether the viewer is an admin of ``org_id`` (the platform admin is of every org)."""
        return self.platform_admin or (self.org_id == org_id and "org_admin" in self.roles)


class Sight(enum.IntEnum):
    """How much of a person a viewer sees; higher sees more."""

    CARD = (
        1  # a fellow cohort member (or a member org's admin) of another org: name, skills, goal — never email
    )
    COLLEAGUE = 2  # same org: the whole profile but the email
    FULL = 3  # themselves, their org's admins, the platform admin: everything


def sight_of(viewer: Viewer, person_id: str, org_id: str, cohort_ids: Iterable[str]) -> Sight | None:
    """How much of the person ``viewer`` may see, or None: then the person does not exist for them."""
    if viewer.platform_admin or viewer.person_id == person_id or viewer.administers(org_id):
        return Sight.FULL
    if viewer.org_id == org_id:
        return Sight.COLLEAGUE
    if (viewer.cohort_ids | viewer.admin_cohort_ids).intersection(cohort_ids):
        return Sight.CARD
    return None


def may_edit(viewer: Viewer, person_id: str, org_id: str) -> bool:
    """Themselves, an admin of their org, or the platform admin."""
    return viewer.person_id == person_id or viewer.administers(org_id)
