"""The OpenAPI document tells the truth: what every route of a service can answer.

Litestar documents a route's success and its validation 400; the service kit adds answers that
every route can give, wherever they come from (the kit's middlewares, guards, the domain errors):

- every ``/v1`` route: 401 (a token that is present but invalid), 429 (rate limits), 400, 403, 404;
- every write: 409, 413, 415, 422 (an ``Idempotency-Key`` reused for another request), the
  ``Idempotency-Key`` request header, and ``Idempotent-Replay`` on its success answers;
- the bearer security scheme, optional on every route (reads of public things need no token);
- ``additionalProperties: false`` on request bodies that refuse unknown fields;
- regular expressions an ECMA-262 engine understands (Python's ``\\Z`` becomes ``$``);
- ``text/event-stream`` for routes that answer with Server-Sent Events;
- ``anyOf`` for a union without a discriminator (``oneOf`` fails when one shape fits in another).

Applied to the app's document once at start-up (:func:`complete`), before it is first served.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.response import ServerSentEvent

WRITE_METHODS = ("post", "put", "patch", "delete")
READ_METHODS = ("get",)
ERROR = "PeerlearnError"
ANSWERS = {
    "400": "the request is malformed or breaks a rule; `detail` says which",
    "401": "a token is needed, or the one sent is invalid (expired, wrong signature, no longer a person)",
    "403": "the caller may see this but not do it",
    "404": "no such thing, or the caller may not see it",
    "409": "a conflict with the current state, or a request with this Idempotency-Key is in progress",
    "413": "the body is larger than the service accepts",
    "415": "the body is not of the media type this route reads (JSON unless stated)",
    "422": "this Idempotency-Key was used with a different request",
    "429": "over a rate limit; `Retry-After` says when to try again",
}
READ_ANSWERS = ("400", "401", "403", "404", "429")
WRITE_ANSWERS = ("400", "401", "403", "404", "409", "413", "415", "422", "429")


def complete(app: Litestar) -> None:
    """Add what every route answers to ``app``'s OpenAPI document (idempotent)."""
    document = app.openapi_schema
    components = document.components if isinstance(document.components, Components) else Components()
    document.components = components
    components.schemas = dict(components.schemas or {})
    components.schemas[ERROR] = Schema(
        type=OpenAPIType.OBJECT,
        title=ERROR,
        properties={
            "status_code": Schema(type=OpenAPIType.INTEGER),
            "detail": Schema(type=OpenAPIType.STRING),
            "extra": Schema(description="structured detail, e.g. the rejected rows of an import"),
        },
        required=["status_code", "detail"],
    )
    components.security_schemes = {
        **(components.security_schemes or {}),
        "bearer": SecurityScheme(
            type="http",
            scheme="bearer",
            description="a person token (sign-in) or the platform-admin credential",
        ),
    }
    document.security = [{"bearer": []}, {}]
    for path, item in (document.paths or {}).items():
        if not path.startswith("/v1"):
            continue
        for method in (*READ_METHODS, *WRITE_METHODS):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            writes = method in WRITE_METHODS
            responses = operation.responses = dict(operation.responses or {})
            for code in WRITE_ANSWERS if writes else READ_ANSWERS:
                responses.setdefault(code, _error_answer(code))
            if writes:
                _document_idempotency(operation, responses)
    _document_event_streams(app, document)
    strict = _strict_struct_names(app)
    for name, schema in components.schemas.items():
        if isinstance(schema, Schema) and (name in strict or schema.title in strict):
            schema.additional_properties = False
    for schema in _all_schemas(document):
        if schema.pattern:
            schema.pattern = _ecma(schema.pattern)
        if schema.one_of and schema.discriminator is None:
            # "Exactly one of" is false where one shape is a subset of another (a person's card
            # and their full profile): without a discriminator the truth is "any of".
            schema.any_of, schema.one_of = schema.one_of, None


def _error_answer(code: str) -> OpenAPIResponse:
    headers: dict[str, OpenAPIHeader | Reference] | None = None
    if code == "429":
        headers = {
            "Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER), description="seconds")
        }
    return OpenAPIResponse(
        description=ANSWERS[code],
        headers=headers,
        content={"application/json": OpenAPIMediaType(schema=Reference(f"#/components/schemas/{ERROR}"))},
    )


def _document_idempotency(operation: Any, responses: dict[str, Any]) -> None:
    parameters = list(operation.parameters or [])
    if not any(getattr(p, "name", "").lower() == "idempotency-key" for p in parameters):
        parameters.append(
            Parameter(
                name="Idempotency-Key",
                param_in="header",
                required=False,
                description="a retry with the same key and request gets the first answer and changes nothing",
                schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=200),
            )
        )
    operation.parameters = parameters
    for code, response in responses.items():
        if code.startswith("2") and isinstance(response, OpenAPIResponse):
            response.headers = {
                **(response.headers or {}),
                "Idempotent-Replay": OpenAPIHeader(
                    schema=Schema(type=OpenAPIType.STRING, enum=["true"]),
                    description="present when this is the stored answer of an earlier request with this key",
                ),
            }


# One server-sent event as a client parses it (WHATWG HTML §9.2): every field optional.
_SSE_EVENT = Schema(
    type=OpenAPIType.OBJECT,
    description="each server-sent event of the stream",
    properties={
        "event": Schema(type=OpenAPIType.STRING),
        "data": Schema(type=OpenAPIType.STRING, description="JSON text"),
        "id": Schema(type=OpenAPIType.STRING),
        "retry": Schema(type=OpenAPIType.INTEGER),
    },
)


def _document_event_streams(app: Litestar, document: Any) -> None:
    """Routes that answer with Server-Sent Events say ``text/event-stream``, not JSON."""
    for route in app.routes:
        item = (document.paths or {}).get(getattr(route, "path_format", ""))
        for handler in getattr(route, "route_handlers", []):
            returns = handler.parsed_fn_signature.return_type.annotation
            if item is None or not (isinstance(returns, type) and issubclass(returns, ServerSentEvent)):
                continue
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                success = (operation.responses or {}).get("200") if operation is not None else None
                if isinstance(success, OpenAPIResponse):
                    success.content = {"text/event-stream": OpenAPIMediaType(schema=_SSE_EVENT)}


def _strict_struct_names(app: Litestar) -> set[str]:
    names: set[str] = set()
    seen: set[Any] = set()

    def visit(annotation: Any) -> None:
        if annotation in seen:
            return
        seen.add(annotation)
        if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
            if annotation.__struct_config__.forbid_unknown_fields:
                names.add(annotation.__name__)
            for hint in typing.get_type_hints(annotation, include_extras=False).values():
                visit(hint)
            return
        for argument in typing.get_args(annotation):
            visit(argument)

    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            field = handler.parsed_fn_signature.parameters.get("data")
            if field is not None:
                visit(field.annotation)
    return names


def _all_schemas(document: Any) -> Iterator[Schema]:
    stack: list[Any] = [document]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Schema):
            yield node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "__dataclass_fields__"):
            stack.extend(getattr(node, name) for name in node.__dataclass_fields__)


def _ecma(pattern: str) -> str:
    return pattern.replace("\\Z", "$").replace("\\A", "^")
