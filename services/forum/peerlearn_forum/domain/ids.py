"""What can be an id of something the forum stores."""

from __future__ import annotations

import re

ID_PATTERN = r"^[A-Za-z0-9_.:-]+\Z"
MAX_ID = 64
_ID = re.compile(ID_PATTERN)


def is_id(value: str) -> bool:
    """Whether a path id could name anything the forum stores (an id with a NUL or a slash cannot:
    it answers 404 without reaching the database, which would refuse NUL with a 500)."""
    return 0 < len(value) <= MAX_ID and _ID.match(value) is not None
