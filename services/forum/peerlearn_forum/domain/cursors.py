"""Opaque page cursors, and the checked values read back from them.

A cursor is base64 of a small JSON object the forum wrote; anything a client sends back is
checked for type and range before it reaches a query, so a forged cursor is a 400, never an
overflow in the database or a silently different page.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

import msgspec

from peerlearn.errors import Invalid

BAD_CURSOR = "the cursor is not valid; start again without it"
MAX_CURSOR_OFFSET = 1_000_000
INT32 = (-(2**31), 2**31 - 1)
_CURSOR_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}\Z")


def encode_cursor(values: dict[str, Any]) -> str:
    """An opaque cursor for the next page."""
    return base64.urlsafe_b64encode(msgspec.json.encode(values)).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The values inside a cursor; :class:`Invalid` when it was not made by :func:`encode_cursor`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise Invalid(BAD_CURSOR) from None
    if not isinstance(values, dict):
        raise Invalid(BAD_CURSOR)
    return values


def cursor_int(values: dict[str, Any], key: str, *, low: int, high: int) -> int:
    """An integer inside a cursor, within ``low..high`` (the column's range); :class:`Invalid`
    otherwise: a float (``1e20``), a bool (``true``), a string or a number out of range would
    otherwise reach the database as an overflow (500) or silently mean something else."""
    value = values.get(key)
    if type(value) is not int or not low <= value <= high:
        raise Invalid(BAD_CURSOR)
    return value


def cursor_id(values: dict[str, Any], key: str) -> str:
    """An id inside a cursor (only id characters: no NUL can reach the database)."""
    value = values.get(key)
    if not isinstance(value, str) or _CURSOR_ID.match(value) is None:
        raise Invalid(BAD_CURSOR)
    return value


def cursor_time(values: dict[str, Any], key: str) -> datetime:
    """A moment inside a cursor: an ISO 8601 string with a UTC offset (the forum stores UTC)."""
    value = values.get(key)
    if not isinstance(value, str) or len(value) > 40:
        raise Invalid(BAD_CURSOR)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(BAD_CURSOR) from None
    if moment.tzinfo is None:
        raise Invalid(BAD_CURSOR)
    return moment
