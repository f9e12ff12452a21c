"""The rules of a profile, free of HTTP, SQL and NATS: validation and identity of people and skills.

Pure, so the HTTP API, the CSV import and the demo loader share them.
"""

from __future__ import annotations

import re
import unicodedata
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
# Bidi embeddings, overrides and isolates reorder the text around a name ("Bob\u202egnp.exe"
# shows as "Bobexe.png"): a name never needs them.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Categories that draw nothing: format characters (zero-width space, joiners), separators,
# combining marks with no base, controls, private use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Cc", "Co", "Cn"})
# Letters that render as blank space although Unicode calls them letters (Hangul fillers,
# the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Zone names whose meaning depends on the host (its local zone, its POSIX rules) or that
# name no place at all: the same profile must mean the same hours everywhere.
HOST_DEPENDENT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


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
        shown = clean_name(name, "a skill name")
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
    if name in HOST_DEPENDENT_ZONES or name.startswith(("posix/", "right/")):
        raise Invalid(f"timezone {name!r} depends on the server; give a place, e.g. 'Europe/Berlin'")
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


def clean_name(value: str, field: str = "display_name") -> str:
    """A name (of a person, org, cohort or skill) trimmed, with something to see, and no bidi controls."""
    name = " ".join(check_text(value, field).split())
    if not name:
        raise Invalid(f"{field} must not be blank")
    if BIDI_CONTROL.search(name):
        raise Invalid(f"{field} contains a bidi control character (U+202A..U+202E, U+2066..U+2069)")
    if not any(is_visible(char) for char in name):
        raise Invalid(f"{field} has no visible character")
    return name


def is_visible(char: str) -> bool:
    """Whether ``char`` draws something (a letter, digit, mark with a base, symbol, punctuation)."""
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS


def check_roles(roles: Iterable[str]) -> list[str]:
    """Known roles, each once, in the order given."""
    result: list[str] = []
    for role in roles:
        if role not in ROLES:
            raise Invalid(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        if role not in result:
            result.append(role)
    return result
