"""Headers every answer of every service carries, whatever produced it.

- ``X-Content-Type-Options: nosniff``: a browser never guesses a JSON answer is HTML;
- ``Referrer-Policy: no-referrer``: links in answers leak no URLs with ids in them;
- ``Cache-Control: no-store`` on an answer to a request that carried credentials, unless the
  handler chose a policy itself: a shared cache must never hand one person's data to another.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding :data:`ALWAYS` and, for credentialed requests, ``no-store``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers: Any = scope.get("headers", [])
        credentialed = any(name in (b"authorization", b"cookie") for name, _ in request_headers)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [pair for pair in ALWAYS if pair[0] not in names]
                if credentialed and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
