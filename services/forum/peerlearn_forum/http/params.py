"""Query parameters shared by the forum's listings."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

Limit = Annotated[int, Parameter(ge=1, le=100, description="page size")]
Cursor = Annotated[
    str | None,
    Parameter(max_length=600, pattern=r"^[A-Za-z0-9_=-]*\Z", description="next_cursor of the previous page"),
]
