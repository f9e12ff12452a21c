"""The OpenAPI document's patterns are ECMA-262 regular expressions, as JSON Schema requires."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from litestar import Litestar, post

from peerlearn import api_docs


class Tagged(msgspec.Struct, forbid_unknown_fields=True):
    tag: Annotated[str, msgspec.Meta(pattern=r"^[a-z]+\Z")]


class Loose(msgspec.Struct):
    note: str


@post("/v1/tags")
async def add_tag(data: Tagged) -> Loose:
    return Loose(note=data.tag)


def test_python_only_anchors_become_ecma_anchors_and_strict_bodies_refuse_extras() -> None:
    app = Litestar([add_tag])
    api_docs.complete(app)
    schemas = app.openapi_schema.components.schemas  # type: ignore[union-attr]
    pattern = schemas["Tagged"].properties["tag"].pattern  # type: ignore[index, union-attr]
    assert pattern == "^[a-z]+$"
    assert re.fullmatch(pattern, "abc")
    assert schemas["Tagged"].additional_properties is False  # type: ignore[union-attr]
    assert schemas["Loose"].additional_properties is None  # type: ignore[union-attr]
