"""Who is calling, and the visibility rules every service applies to them (DESIGN §6).

Pure rules: no SQL, no HTTP. The same functions decide for a single thing (a thread, a
person's card) what :mod:`peerlearn.directory.visibility` decides for a whole query, so
lists, search, counts and suggestions can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    """The caller as the directory knows them (never as their token claims)."""

    person_id: str | None
    org_id: str | None
    roles: tuple[str, ...] = ()
    platform_admin: bool = False
    cohort_ids: frozenset[str] = field(default_factory=frozenset)
    # Cohorts that the caller's org is in while the caller is its org admin: they create and
    # moderate the cohort's spaces and see its members' cards (DESIGN §6).
    admin_cohort_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_person(self) -> bool:
        return self.person_id is not None

    @property
    def is_org_admin(self) -> bool:
        return "org_admin" in self.roles

    def administers_org(self, org_id: str | None) -> bool:
        """Whether the caller is the platform admin or an org admin of ``org_id``."""
        return self.platform_admin or (org_id is not None and self.org_id == org_id and self.is_org_admin)

    @property
    def seen_cohorts(self) -> frozenset[str]:
        """The cohorts whose spaces and members the caller may see."""
        return self.cohort_ids | self.admin_cohort_ids


ANONYMOUS = Caller(person_id=None, org_id=None)
PLATFORM_ADMIN = Caller(person_id=None, org_id=None, platform_admin=True)


@dataclass(frozen=True)
class Where:
    """Where a thing lives, which is all its visibility depends on."""

    visibility: str  # "public" | "org" | "cohort"
    org_id: str | None = None
    cohort_id: str | None = None


def may_see(caller: Caller, where: Where) -> bool:
    """Whether ``caller`` may see a thing that lives at ``where`` (and everything in it)."""
    if caller.platform_admin or where.visibility == "public":
        return True
    if caller.person_id is None:
        return False
    if where.visibility == "org":
        return where.org_id is not None and where.org_id == caller.org_id
    if where.visibility == "cohort":
        return where.cohort_id in caller.seen_cohorts
    return False


def may_moderate(caller: Caller, where: Where) -> bool:
    """Org admins moderate their org's and their cohorts' spaces; the platform admin every space."""
    if caller.platform_admin:
        return True
    if where.visibility == "org":
        return caller.administers_org(where.org_id)
    if where.visibility == "cohort":
        return where.cohort_id in caller.admin_cohort_ids
    return False


def may_see_person(caller: Caller, person_id: str, org_id: str, cohort_ids: frozenset[str]) -> bool:
    """Whether ``caller`` may see the card of a person of ``org_id`` in ``cohort_ids``.

    Themselves, their org, the platform admin; across orgs only through a cohort the caller is
    in or whose member org they administer.
    """
    if caller.platform_admin or caller.person_id == person_id:
        return True
    if caller.person_id is None:
        return False
    return org_id == caller.org_id or bool(cohort_ids & caller.seen_cohorts)
