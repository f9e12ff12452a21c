"""What the kit does around every HTTP request, in one pure ASGI middleware and one pass.

For each request it takes or makes the request id (``X-Request-ID``, also
``scope["state"]["request_id"]``), and for each answer it adds the request id, the headers that
layers further in asked for (:func:`add_answer_headers`: the rate limits' ``RateLimit-*``) and the
security headers (:mod:`peerlearn.security_headers`), counts the request by route template,
method and status (:class:`peerlearn.metrics.RequestMeters`) and writes its access log line
(:func:`peerlearn.logs.log_request`).

It replaces four stacked middlewares (Litestar's Prometheus middleware, the security headers, the
request log, the rate limits' headers), each of which read the request's headers and wrapped
``send`` once more: under wrk a cached read's answer passed through a dozen ``send`` wrappers and
each layer built objects (a ``Request``, a labels dict, a span dict) per request.

A refusal raised before the handler (a 401 of a bad token, a 429) is answered by Litestar outside
every middleware; it is counted and logged with the status it gets, and given the request id, the
layers' headers and the security headers on the exception, as every other answer has them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from time import perf_counter
from typing import Any, cast

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from peerlearn.events import new_id
from peerlearn.logs import answered_status, identify_refusal, log_request
from peerlearn.metrics import RequestMeters
from peerlearn.security_headers import CREDENTIALS, secure_refusal, secured

# The scope key of the list of headers layers further in add to the answer.
_ANSWER_HEADERS = "peerlearn.answer_headers"


def add_answer_headers(scope: Scope, headers: Sequence[tuple[bytes, bytes]]) -> None:
    """Have the answer to this request carry ``headers`` (raw, lower-case names), whatever answers it."""
    cast(dict[str, Any], scope)[_ANSWER_HEADERS].extend(headers)


class RequestEnvelope:
    """Pure ASGI middleware: request id, answer headers, request metrics and the access log line.

    ``unmetered``: path patterns not counted in the metrics (``/metrics`` itself: a scrape must not
    count itself); they are still logged.
    """

    def __init__(self, app: ASGIApp, *, service: str, unmetered: Sequence[str] = ("^/metrics$",)) -> None:
        self.app = app
        self.meters = RequestMeters(service)
        self.unmetered = re.compile("|".join(f"(?:{p})" for p in unmetered)) if unmetered else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = ""
        credentialed = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
            elif name in CREDENTIALS:
                credentialed = True
        request_id = request_id or new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        added = [(b"x-request-id", request_id.encode())]
        cast(dict[str, Any], scope)[_ANSWER_HEADERS] = added
        method: str = scope["method"]  # type: ignore[typeddict-item]  # an http scope
        path: str = scope["path"]
        # The template (Litestar's router sets it before the route's middlewares run): bounded series.
        route: str = scope.get("path_template", path)
        metered = self.unmetered is None or self.unmetered.search(path) is None
        if metered:
            self.meters.started(method, route)
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = secured([*message.get("headers", ()), *added], credentialed=credentialed)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        except Exception as exc:
            status = answered_status(exc)
            headers = identify_refusal(exc, request_id)
            if headers is not None:
                for name, value in added[1:]:  # the request id is already there
                    headers.setdefault(name.decode(), value.decode())
                secure_refusal(headers, credentialed=credentialed)
            raise
        finally:
            if metered:
                self.meters.answered(method, route, status, perf_counter() - started)
            log_request(method, path, status, started, request_id)
