"""Structured logs: one JSON line per record, and one per HTTP request with its request id."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from peerlearn.events import new_id

access_log = logging.getLogger("peerlearn.access")
_encoder = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; fields passed in ``extra={"fields": {...}}`` are merged."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _encoder.encode(entry).decode()


def configure_logging(level: str = "INFO") -> None:
    """Send peerlearn's logs to stderr as JSON lines (once per process)."""
    root = logging.getLogger("peerlearn")
    if not any(getattr(h, "_peerlearn", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._peerlearn = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(level.upper())


class RequestLogMiddleware:
    """Pure ASGI middleware: a request id (``X-Request-ID``) and one access log line per request
    (for an app not built by the kit; the kit's :mod:`peerlearn.request_envelope` does the same)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
                break
        request_id = request_id or new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        method = str(scope.get("method", ""))
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            status = answered_status(exc)
            identify_refusal(exc, request_id)
            raise
        finally:
            log_request(method, scope["path"], status, started, request_id)


def log_request(method: str, path: str, status: int, started: float, request_id: str) -> None:
    """The access log line of a request answered with ``status``, begun at ``started`` (perf_counter)."""
    if not access_log.isEnabledFor(logging.INFO):
        return  # nothing to format (a benchmark's WARNING level)
    access_log.info(
        "%s %s %d",
        method,
        path,
        status,
        extra={
            "fields": {
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
            }
        },
    )


def identify_refusal(exc: Exception, request_id: str) -> dict[str, str] | None:
    """Give a refusal raised before the handler its request id and (a 429) its ``Retry-After``.

    A refusal raised by a middleware (a 429 of the rate limiter, say) is turned into its answer
    outside the middlewares, so it gets the headers every other answer has here, on the exception.
    Returns the exception's headers (None when it is not an HTTP refusal).
    """
    if not isinstance(getattr(exc, "status_code", None), int):
        return None
    headers: dict[str, str] = {**(getattr(exc, "headers", None) or {}), "X-Request-ID": request_id}
    if answered_status(exc) == 429 and not any(k.lower() == "retry-after" for k in headers):
        headers["Retry-After"] = str(headers.get("RateLimit-Reset", "60"))
    exc.headers = headers  # type: ignore[attr-defined]
    return headers


def answered_status(exc: Exception) -> int:
    """The status a request refused by ``exc`` is answered with (once the app turns it into a response)."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) and 400 <= status < 600 else 500
