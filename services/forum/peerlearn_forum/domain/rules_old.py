"""The forum's rules, free of HTTP, SQL and NATS: who may see and do what, and small pure helpers.

Visibility (DESIGN §6): a person sees their org's spaces, the spaces of cohorts they belong
to, and public spaces; the platform admin sees everything; an anonymous caller sees public
spaces only. Admins of an org that is a member of a cohort also see (and moderate) that
cohort's spaces, since they create them.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

ACCEPTED_ANSWER_POINTS = 15
"""Reputation the author of an accepted answer earns (and loses when acceptance moves away)."""


class ForumError(Exception):
    """Base of the forum's domain errors; the HTTP layer maps each to a status code."""


class NotFound(ForumError):
    """The thing does not exist, or the caller may not know it exists (both answer 404)."""


class Forbidden(ForumError):
    """The caller can see the thing but may not do this to it."""


class Invalid(ForumError):
    """The request is well-formed but makes no sense (accepting a post of another thread…)."""


class Conflict(ForumError):
    """The request clashes with the current state (accepting an answer on a discussion…)."""


@dataclass(frozen=True)
class Viewer:
    """The caller as the forum's rules need them: from the token, plus cohorts from the read model."""

    person_id: str | None
    org_id: str | None
    roles: tuple[str, ...] = ()
    platform_admin: bool = False
    cohort_ids: frozenset[str] = field(default_factory=frozenset)
    # Cohorts in which the caller's org is a member and the caller is its org admin.
    admin_cohort_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_org_admin(self) -> bool:
        return "org_admin" in self.roles

    def administers_org(self, org_id: str | None) -> bool:
        return self.platform_admin or (org_id is not None and self.org_id == org_id and self.is_org_admin)


ANONYMOUS = Viewer(person_id=None, org_id=None)


@dataclass(frozen=True)
class SpaceRef:
    """Where a thing lives, which is all visibility depends on."""

    visibility: str
    org_id: str | None = None
    cohort_id: str | None = None


def can_see(viewer: Viewer, space: SpaceRef) -> bool:
    """Whether ``viewer`` may see ``space`` and everything in it."""
    if viewer.platform_admin or space.visibility == "public":
        return True
    if viewer.person_id is None:
        return False
    if space.visibility == "org":
        return space.org_id == viewer.org_id
    if space.visibility == "cohort":
        return space.cohort_id in viewer.cohort_ids or space.cohort_id in viewer.admin_cohort_ids
    return False


def can_moderate(viewer: Viewer, space: SpaceRef) -> bool:
    """Org admins moderate their org's and their cohorts' spaces; the platform admin all (public too)."""
    if viewer.platform_admin:
        return True
    if space.visibility == "org":
        return viewer.administers_org(space.org_id)
    if space.visibility == "cohort":
        return space.cohort_id in viewer.admin_cohort_ids
    return False


def check_may_create_space(
    viewer: Viewer, visibility: str, org_id: str | None, cohort_member_org_ids: set[str] | None
) -> None:
    """Raise unless ``viewer`` may create a space of ``visibility``.

    ``cohort_member_org_ids`` is None when the cohort is unknown to the forum.
    """
    if viewer.person_id is None and not viewer.platform_admin:
        raise Forbidden("creating a space needs a token")
    if visibility == "public":
        if not viewer.platform_admin:
            raise Forbidden("only the platform admin creates public spaces")
        return
    if visibility == "org":
        if viewer.platform_admin:
            return
        if org_id != viewer.org_id:
            raise NotFound(f"no organisation {org_id}")
        if not viewer.is_org_admin:
            raise Forbidden("only an admin of this organisation creates its spaces")
        return
    # cohort
    if cohort_member_org_ids is None:
        raise NotFound("no such cohort")
    if viewer.platform_admin:
        return
    if viewer.org_id not in cohort_member_org_ids:
        raise NotFound("no such cohort")
    if not viewer.is_org_admin:
        raise Forbidden("only an admin of a member organisation creates this cohort's spaces")


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case tags without duplicates, in the order given."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag.strip().lower(), None)
    return list(seen)


def vote_delta(previous: int | None, value: int) -> int:
    """How much a score moves when a voter's vote goes from ``previous`` (None: none) to ``value``."""
    return value - (previous or 0)


_BLANK_LINES = re.compile(r"\n\s*\n")


def render_html(markdown: str) -> str:
    """A safe HTML rendering of Markdown text: everything escaped, paragraphs and line breaks kept.

    The forum stores Markdown as written; clients that render it themselves use ``body``.
    Nothing the author wrote can come back as markup, so ``<script>`` is always inert.
    """
    paragraphs = [p.strip() for p in _BLANK_LINES.split(markdown.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


_MARKUP = re.compile(r"[`*_#>\[\]()!~|-]+")
_SPACE = re.compile(r"\s+")


def excerpt(markdown: str, length: int = 200) -> str:
    """Plain text of the first ``length`` characters, without Markdown punctuation (not escaped)."""
    text = _SPACE.sub(" ", _MARKUP.sub(" ", markdown)).strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def encode_cursor(values: dict[str, Any]) -> str:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(msgspec.json.encode(values)).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The values inside a cursor; :class:`Invalid` when it was not made by :func:`encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise Invalid("the cursor is not valid; start again without it") from None
    if not isinstance(values, dict):
        raise Invalid("the cursor is not valid; start again without it")
    return values


_BAD_CURSOR = "the cursor is not valid; start again without it"
_CURSOR_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}\Z")
MAX_CURSOR_OFFSET = 1_000_000
INT32 = (-(2**31), 2**31 - 1)


def cursor_int(values: dict[str, Any], key: str, *, low: int, high: int) -> int:
    """An integer inside a cursor, within ``low..high`` (the column's range); :class:`Invalid`
    otherwise: a float (``1e20``), a bool (``true``), a string or a number out of range would
    otherwise reach the database as an overflow (500) or silently mean something else."""
    value = values.get(key)
    if type(value) is not int or not low <= value <= high:
        raise Invalid(_BAD_CURSOR)
    return value


def cursor_id(values: dict[str, Any], key: str) -> str:
    """An id inside a cursor (only id characters: no NUL can reach the database)."""
    value = values.get(key)
    if not isinstance(value, str) or _CURSOR_ID.match(value) is None:
        raise Invalid(_BAD_CURSOR)
    return value


def cursor_time(values: dict[str, Any], key: str) -> datetime:
    """A moment inside a cursor: an ISO 8601 string with a UTC offset (the forum stores UTC)."""
    value = values.get(key)
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(_BAD_CURSOR)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(_BAD_CURSOR) from None
    if moment.tzinfo is None:
        raise Invalid(_BAD_CURSOR)
    return moment


_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str, limit: int = 12) -> list[str]:
    """The words of a search query (engine syntax stripped), lower-cased, at most ``limit``."""
    return [w.lower() for w in _WORD.findall(query)][:limit]
