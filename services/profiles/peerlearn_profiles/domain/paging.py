"""Pages of people: the cursor a list hands out is the id of the last person on the page."""

from __future__ import annotations

import re

from peerlearn.errors import Invalid

# The shape of every id profiles makes (peerlearn.events.new_id): 28 lowercase hex digits.
CURSOR = re.compile(r"^[0-9a-f]{28}$")


def check_cursor(cursor: str | None) -> str | None:
    """The cursor if a list could have handed it out (or None for the first page), else
    :class:`Invalid`: a garbled cursor must not read as an empty last page."""
    if cursor is None or CURSOR.match(cursor):
        return cursor
    raise Invalid(f"cursor {cursor[:40]!r} is not a next_cursor this list gave; start again without it")
