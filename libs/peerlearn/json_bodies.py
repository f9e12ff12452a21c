"""Strict JSON request bodies for every service: the wrong content type, duplicate keys, absurd
nesting and numbers sent as strings are refused with a clear 4xx before a handler sees them.

Litestar converts a body into the handler's ``data`` type leniently (``"1"`` becomes ``1``,
the last of two equal keys wins, any content type is parsed as JSON, and about a thousand
nested arrays end in a RecursionError and a 500). This middleware checks the raw body of every
write whose handler takes a typed ``data`` parameter:

- a content type other than JSON (``application/json`` or ``…+json``) → 415;
- nesting deeper than :data:`MAX_DEPTH` → 400; a key twice in one object → 400 naming it;
- a value of the wrong type, strictly (``msgspec`` with ``strict=True``) → 400 saying where.

Handlers that take raw bytes or the request (the CSV import) are left alone.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, cast

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from peerlearn.asgi_bodies import answer, body_of, read_body, replaying

MAX_DEPTH = 64
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@cache
def _decoder_for(annotation: Any) -> msgspec.json.Decoder[Any] | None:
    if annotation in (bytes, str, Any) or getattr(annotation, "__module__", "").startswith("litestar"):
        return None
    try:
        return msgspec.json.Decoder(annotation, strict=True)
    except TypeError:  # not a type msgspec can decode into: not a JSON body
        return None


def _data_decoder(scope: Any) -> msgspec.json.Decoder[Any] | None:
    handler = scope.get("route_handler")
    signature = getattr(handler, "parsed_fn_signature", None)
    field = signature.parameters.get("data") if signature is not None else None
    if field is None:
        return None
    try:
        return _decoder_for(field.annotation)
    except TypeError:  # an unhashable annotation: leave it to Litestar
        return None


def _is_json(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(400, f"the JSON body has the key {key!r} twice in one object")
        seen[key] = value
    return seen


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def check_body(body: bytes, content_type: bytes, decoder: msgspec.json.Decoder[Any]) -> None:
    """Raise :class:`_Refused` when ``body`` is not strictly what ``decoder`` expects."""
    if not body:
        return
    if not _is_json(content_type):
        raise _Refused(415, "send the body as JSON (Content-Type: application/json)")
    try:
        parsed = json.loads(body, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise _Refused(400, f"the JSON body is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as exc:
        raise _Refused(400, f"the body is not valid JSON: {exc}") from None
    if _depth(parsed) > MAX_DEPTH:
        raise _Refused(400, f"the JSON body is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise _Refused(400, f"the body does not fit: {exc}") from None
    except msgspec.DecodeError as exc:
        raise _Refused(400, f"the body is not valid JSON: {exc}") from None


class StrictJsonMiddleware:
    """ASGI middleware (after routing, so it knows the handler) enforcing :func:`check_body`."""

    def __init__(self, app: ASGIApp, max_body: int = 1_048_576) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope: dict[str, Any] = cast(Any, asgi_scope)
        decoder = _data_decoder(scope) if scope["type"] == "http" and scope.get("method") in WRITES else None
        if decoder is None:
            await self.app(asgi_scope, receive, send)
            return
        messages, size = await read_body(receive, self.max_body)
        if size <= self.max_body:
            body = body_of(messages)
            content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
            try:
                check_body(body, content_type, decoder)
            except _Refused as refused:
                await answer(send, refused.status, refused.detail)
                return
        await self.app(asgi_scope, replaying(messages, receive), send)
