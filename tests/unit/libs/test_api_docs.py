"""The OpenAPI document's patterns are ECMA-262 regular expressions, as JSON Schema requires."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import Litestar, get, post
from litestar.response import ServerSentEvent

from peerlearn import api_docs


class Tagged(msgspec.Struct, forbid_unknown_fields=True):
    tag: Annotated[str, msgspec.Meta(pattern=r"^[a-z]+\Z")]


class Loose(msgspec.Struct):
    note: str


@post("/v1/tags")
async def add_tag(data: Tagged) -> Loose:
    return Loose(note=data.tag)


@get("/v1/stream")
async def stream() -> ServerSentEvent:
    async def hello() -> AsyncIterator[str]:
        yield "hello"

    return ServerSentEvent(hello())


def test_python_only_anchors_become_ecma_anchors_and_strict_bodies_refuse_extras() -> None:
    app = Litestar([add_tag])
    api_docs.complete(app)
    schemas = app.openapi_schema.components.schemas  # type: ignore[union-attr]
    pattern = schemas["Tagged"].properties["tag"].pattern  # type: ignore[index, union-attr]
    assert pattern == "^[a-z]+$"
    assert re.fullmatch(pattern, "abc")
    assert schemas["Tagged"].additional_properties is False  # type: ignore[union-attr]
    assert schemas["Loose"].additional_properties is None  # type: ignore[union-attr]


def test_a_route_answering_with_server_sent_events_documents_an_event_stream() -> None:
    app = Litestar([stream])
    api_docs.complete(app)
    answer = app.openapi_schema.paths["/v1/stream"].get.responses["200"]  # type: ignore[index, union-attr]
    assert list(answer.content) == ["text/event-stream"]  # type: ignore[union-attr]
