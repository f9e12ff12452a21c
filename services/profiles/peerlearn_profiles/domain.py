"""The rules of profiles, free of HTTP, SQL and NATS: validation, identity and who sees whom.

Everything here is pure so it can be tested alone and reused by the HTTP API, the CSV
import and the demo loader alike.
"""

from __future__ import annotations

import enum
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

ROLES = ("learner", "mentor", "expert", "org_admin")
MAX_SKILLS = 50
MAX_SKILL_NAME = 60
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Control characters (NUL above all: PostgreSQL cannot store it) never belong in a profile;
# free text keeps its tabs and newlines.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ProfileError(Exception):
    """A request the rules refuse; the HTTP layer maps each kind to a status code."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Invalid(ProfileError):
    """The input breaks a rule (400)."""


class Unauthorized(ProfileError):
    """The credential no longer names anyone who may act (401)."""

    status_code = 401


class Forbidden(ProfileError):
    """The caller can see the thing but may not do this to it (403)."""

    status_code = 403


class NotFound(ProfileError):
    """It does not exist, or the caller may not know it exists (404)."""

    status_code = 404


class Conflict(ProfileError):
    """It clashes with what is already there (409)."""

    status_code = 409


# --- identity and validation ----------------------------------------------------------


@dataclass(frozen=True)
class SkillEntry:
    """A skill as the person wrote it (trimmed); ``key`` is its identity (casefolded)."""

    name: str
    level: int
    wants: bool

    @property
    def key(self) -> str:
        return skill_key(self.name)


def skill_key(name: str) -> str:
    """The identity of a skill name: trimmed, inner spaces collapsed, casefolded."""
    return " ".join(name.split()).casefold()


def email_key(email: str) -> str:
    """The identity of an email within an org: trimmed and casefolded."""
    return email.strip().casefold()


def clean_skills(raw: Iterable[tuple[str, int, bool]]) -> list[SkillEntry]:
    """Trim names, check levels, and refuse the same skill twice (by casefolded name)."""
    entries: list[SkillEntry] = []
    seen: dict[str, str] = {}
    for name, level, wants in raw:
        shown = " ".join(check_text(name, "a skill name").split())
        if not shown:
            raise Invalid("a skill name must not be blank")
        if len(shown) > MAX_SKILL_NAME:
            raise Invalid(f"skill name {shown[:20]!r}… is longer than {MAX_SKILL_NAME} characters")
        if not 1 <= level <= 5:
            raise Invalid(f"skill {shown!r}: level {level} is outside 1..5")
        key = skill_key(shown)
        if key in seen:
            raise Invalid(f"skill {shown!r} appears twice (as {seen[key]!r} too)")
        seen[key] = shown
        entries.append(SkillEntry(name=shown, level=level, wants=wants))
    if len(entries) > MAX_SKILLS:
        raise Invalid(f"at most {MAX_SKILLS} skills, got {len(entries)}")
    return entries


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA timezone this machine knows, else raise :class:`Invalid`."""
    if name not in _timezones() and name != "UTC":
        raise Invalid(f"timezone {name!r} is not an IANA timezone (e.g. 'Europe/Berlin')")
    return name


def check_email(email: str) -> str:
    """The trimmed email if it looks like one, else :class:`Invalid`."""
    email = check_text(email, "email").strip()
    if len(email) > 254 or not EMAIL.match(email):
        raise Invalid(f"{email!r} is not an email address")
    return email


def check_text(value: str, field: str) -> str:
    """``value`` if it holds no control characters, else :class:`Invalid` naming ``field``."""
    if CONTROL.search(value):
        raise Invalid(f"{field} contains a control character")
    return value


def clean_name(display_name: str) -> str:
    """A display name trimmed, never blank."""
    name = " ".join(check_text(display_name, "display_name").split())
    if not name:
        raise Invalid("display_name must not be blank")
    return name


def check_roles(roles: Iterable[str]) -> list[str]:
    """Known roles, each once, in the order given."""
    result: list[str] = []
    for role in roles:
        if role not in ROLES:
            raise Invalid(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        if role not in result:
            result.append(role)
    return result


# --- who sees whom (DESIGN §6) --------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The caller as the rules need them: their org, roles and the cohorts they are in."""

    person_id: str | None
    org_id: str | None
    roles: tuple[str, ...] = ()
    platform_admin: bool = False
    cohort_ids: frozenset[str] = field(default_factory=frozenset)

    def administers(self, org_id: str) -> bool:
        """Whether the viewer is an admin of ``org_id`` (the platform admin is of every org)."""
        return self.platform_admin or (self.org_id == org_id and "org_admin" in self.roles)


class Sight(enum.IntEnum):
    """How much of a person a viewer sees; higher sees more."""

    CARD = 1  # a fellow cohort member of another org: name, skills, goal — never email
    COLLEAGUE = 2  # same org: the whole profile but the email
    FULL = 3  # themselves, their org's admins, the platform admin: everything


def sight_of(viewer: Viewer, person_id: str, org_id: str, cohort_ids: Iterable[str]) -> Sight | None:
    """How much of the person ``viewer`` may see, or None: then the person does not exist for them."""
    if viewer.platform_admin or viewer.person_id == person_id or viewer.administers(org_id):
        return Sight.FULL
    if viewer.org_id == org_id:
        return Sight.COLLEAGUE
    if viewer.cohort_ids.intersection(cohort_ids):
        return Sight.CARD
    return None


def may_edit(viewer: Viewer, person_id: str, org_id: str) -> bool:
    """Themselves, an admin of their org, or the platform admin."""
    return viewer.person_id == person_id or viewer.administers(org_id)
