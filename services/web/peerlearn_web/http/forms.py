"""Reading a submitted HTML form into a msgspec Struct, strictly: a malformed form is a 400."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

F = TypeVar("F", bound=msgspec.Struct)


async def read_form(request: Request[Any, Any, Any], cls: type[F]) -> F:
    """The form's fields as ``cls`` (repeated fields become lists where ``cls`` wants a list)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(cls):
        if field.name not in form:
            continue
        wants_list = getattr(field.type, "__origin__", None) is list
        values[field.name] = form.getall(field.name) if wants_list else form.get(field.name)
    try:
        return msgspec.convert(values, cls, strict=False)
    except msgspec.ValidationError as exc:
        raise ValidationException(f"the form is not valid: {exc}") from None


async def form_value(request: Request[Any, Any, Any], name: str) -> str:
    """One text field of the submitted form ("" when absent)."""
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""
