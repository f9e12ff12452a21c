"""Form values as people type them, turned into what the services accept; and the services'
refusals turned back into messages beside the field they concern."""

from __future__ import annotations

import re
from typing import Any

import msgspec

SKILL_LINE = re.compile(r"^\s*(?P<name>[^:]+?)\s*(?::\s*(?P<level>\d+)\s*)?$")


class FormInvalid(ValueError):
    """What a person typed cannot be sent: ``fields`` maps each field to what is wrong."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class Skill(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    level: int
    wants: bool


def parse_skills(text: str, *, wants: bool, field: str) -> list[Skill]:
    """One skill per line or comma, ``name`` or ``name: level`` (1..5; a wanted skill defaults to 1,
    a skill one has to 3)."""
    skills: list[Skill] = []
    for number, part in enumerate((p for p in re.split(r"[\n,]", text or "") if p.strip()), 1):
        match = SKILL_LINE.match(part)
        if match is None:
            raise FormInvalid({field: f"skill {number} ({part.strip()!r}) should look like “SQL: 3”"})
        level = int(match["level"]) if match["level"] else (1 if wants else 3)
        if not 1 <= level <= 5:
            raise FormInvalid({field: f"{match['name']}: the level must be 1 to 5, not {level}"})
        skills.append(Skill(name=match["name"], level=level, wants=wants))
    return skills


def skills_text(skills: list[dict[str, Any]], *, wants: bool) -> str:
    """The inverse of :func:`parse_skills` for a profile's skills, to fill the form."""
    return "\n".join(f"{s['name']}: {s['level']}" for s in skills if bool(s.get("wants")) == wants)


def parse_tags(text: str) -> list[str]:
    """Tags separated by spaces or commas, without a leading ``#``, each once."""
    seen: list[str] = []
    for tag in re.split(r"[\s,]+", text or ""):
        tag = tag.strip().lstrip("#")
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def parse_number(value: str, *, field: str, lowest: float, highest: float) -> float:
    """A number typed into a form, within bounds, or :class:`FormInvalid` naming the field."""
    try:
        number = float((value or "0").replace(",", "."))
    except ValueError:
        raise FormInvalid({field: f"{value!r} is not a number"}) from None
    if not lowest <= number <= highest:
        raise FormInvalid({field: f"must be between {lowest:g} and {highest:g}"})
    return number


_AT_FIELD = re.compile(r"`\$\.(?P<field>[A-Za-z_]+)")
_PREFIX_FIELD = re.compile(r"^(?P<field>[a-z_]+):\s")


def field_errors(detail: str, extra: Any, known: tuple[str, ...]) -> dict[str, str]:
    """Messages by form field from an upstream 400: Litestar's per-key list in ``extra``, a
    msgspec path in the detail (``… - at `$.title```), or a ``field: message`` detail.
    What names no known field is kept under ``""`` (shown at the top of the form)."""
    found: dict[str, str] = {}
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, dict) and item.get("key") in known:
                found.setdefault(str(item["key"]), str(item.get("message") or detail))
    if not found:
        match = _AT_FIELD.search(detail) or _PREFIX_FIELD.match(detail)
        if match and match["field"] in known:
            found[match["field"]] = detail.split(" - at ")[0]
        else:
            mentioned = [f for f in known if re.search(rf"\b{re.escape(f)}\b", detail)]
            if len(mentioned) == 1:
                found[mentioned[0]] = detail
    if not found:
        found[""] = detail
    return found
