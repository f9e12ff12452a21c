"""The rules of a profile, free of HTTP, SQL and NATS: validation and identity of people and skills.

Pure, so the HTTP API, the CSV import and the demo loader share them.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from peerlearn.errors import Invalid

ROLES = ("learner", "mentor", "expert", "org_admin")
MAX_SKILLS = 50
MAX_SKILL_NAME = 60
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Control characters (NUL above all: PostgreSQL cannot store it) never belong in a profile;
# free text keeps its tabs and newlines.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
