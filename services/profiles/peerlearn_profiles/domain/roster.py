"""Reading a CSV roster of people as an HR system exports it (pure: text in, rows out).

Columns: ``display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal``,
optionally ``bio,mentor_capacity,open_to_external``. Roles are separated by ``;``, skills
are ``name:level;name:level`` (a wanted skill's level may be left out: 1). A bad row is
rejected with its line number and reason; it never stops the rows after it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from peerlearn.errors import Invalid
from peerlearn_profiles.domain.people import (
    SkillEntry,
    check_email,
    check_roles,
    check_text,
    check_timezone,
    clean_name,
    clean_skills,
    email_key,
)

REQUIRED = (
    "display_name",
    "email",
    "roles",
    "timezone",
    "weekly_hours",
    "skills_have",
    "skills_want",
    "goal",
)
OPTIONAL = ("bio", "mentor_capacity", "open_to_external")
# Plain decimal numbers only: Python's int() and float() also take "1_0" (10), "1e3", "nan"
# and "inf", which no HR export means.
INTEGER = re.compile(r"^[+-]?[0-9]+$")
DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}


@dataclass
class RosterRow:
    """One valid row: a person to create or update (by email within the org)."""

    line: int
    display_name: str
    email: str
    roles: list[str]
    timezone: str
    weekly_hours: float
    goal: str
    skills: list[SkillEntry]
    # Columns the file may leave out: None keeps what an existing person has.
    bio: str | None = None
    mentor_capacity: int | None = None
    open_to_external: bool | None = None

    @property
    def email_key(self) -> str:
        return email_key(self.email)


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def decode_roster(body: bytes) -> str:
    """The CSV as text: UTF-8 (a byte-order mark is fine), else :class:`Invalid` saying so."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"the CSV is not UTF-8 encoded (byte 0x{body[exc.start]:02x} at offset {exc.start}); "
            "export it as UTF-8"
        ) from None


def read_roster(text: str) -> Roster:
    """Parse the roster; raise :class:`Invalid` only for a header that cannot be used."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().casefold() for name in next(reader)]
    except StopIteration:
        raise Invalid("the CSV is empty; it needs a header line") from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise Invalid(f"the CSV header names column(s) more than once: {', '.join(repeated)}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise Invalid(f"the CSV header lacks column(s): {', '.join(missing)}")
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if unknown:
        raise Invalid(f"the CSV header has unknown column(s): {', '.join(unknown)}")
    roster = Roster()
    seen: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # A malformed record (a NUL byte, a giant field) is one rejected row, not a failed file.
            roster.rejected.append((start, f"unreadable CSV record: {exc}"))
            if reader.line_num < start:  # the reader cannot move on: stop here
                break
            continue
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            roster.rejected.append((start, f"expected {len(header)} fields, found {len(record)}"))
            continue
        try:
            row = _row(start, dict(zip(header, record, strict=True)))
        except (Invalid, ValueError) as exc:
            roster.rejected.append((start, getattr(exc, "detail", str(exc))))
            continue
        if row.email_key in seen:
            roster.rejected.append(
                (start, f"email {row.email!r} already appears on line {seen[row.email_key]}")
            )
            continue
        seen[row.email_key] = start
        roster.rows.append(row)
    return roster


def _row(line: int, cells: dict[str, str]) -> RosterRow:
    name = cells["display_name"].strip()
    if len(name) > 120:
        raise Invalid("display_name is longer than 120 characters")
    goal = check_text(cells["goal"], "goal").strip()
    if len(goal) > 300:
        raise Invalid("goal is longer than 300 characters")
    roles = [r.strip() for r in cells["roles"].replace("|", ";").split(";") if r.strip()]
    row = RosterRow(
        line=line,
        display_name=clean_name(name),
        email=check_email(cells["email"]),
        roles=check_roles(roles or ["learner"]),
        timezone=check_timezone(cells["timezone"].strip() or "UTC"),
        weekly_hours=_number(cells["weekly_hours"], "weekly_hours", 0, 168),
        goal=goal,
        skills=clean_skills(
            _skills(cells["skills_have"], wants=False) + _skills(cells["skills_want"], wants=True)
        ),
    )
    if "bio" in cells:
        if len(cells["bio"].strip()) > 2000:
            raise Invalid("bio is longer than 2000 characters")
        row.bio = check_text(cells["bio"], "bio").strip()
    if "mentor_capacity" in cells:
        row.mentor_capacity = int(_number(cells["mentor_capacity"], "mentor_capacity", 0, 100, integer=True))
    if "open_to_external" in cells:
        flag = cells["open_to_external"].strip().casefold()
        if flag not in TRUE | FALSE:
            raise Invalid(f"open_to_external {cells['open_to_external']!r} is not true or false")
        row.open_to_external = flag in TRUE
    return row


def _number(text: str, column: str, low: float, high: float, *, integer: bool = False) -> float:
    text = text.strip() or "0"
    if not (INTEGER if integer else DECIMAL).match(text):
        raise Invalid(f"{column} {text!r} is not a {'whole ' if integer else ''}number")
    value = int(text) if integer else float(text)
    if not low <= value <= high:
        raise Invalid(f"{column} {text} is outside {low:g}..{high:g}")
    return value


def _skills(text: str, *, wants: bool) -> list[tuple[str, int, bool]]:
    """``name:level;name:level`` → (name, level, wants); a wanted skill's level defaults to 1."""
    column = "skills_want" if wants else "skills_have"
    result: list[tuple[str, int, bool]] = []
    for item in text.split(";"):
        if not item.strip():
            continue
        name, sep, level = item.rpartition(":")
        if not sep:
            if not wants:
                raise Invalid(f"{column}: {item.strip()!r} needs a level, as in 'python:3'")
            name, level = item, "1"
        if not INTEGER.match(level.strip()):
            raise Invalid(f"{column}: level {level.strip()!r} of {name.strip()!r} is not a number 1..5")
        result.append((name, int(level.strip()), wants))
    return result
