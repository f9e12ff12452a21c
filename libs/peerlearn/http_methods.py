"""``HEAD`` wherever ``GET`` is, and an ``Allow`` header that names every method of a path.

Litestar answers ``HEAD`` with 405 unless a route declares it, its automatic ``OPTIONS`` names
only the methods of one of a path's handlers, and its 405s leave ``HEAD`` out. Every service's
app is a :class:`ServiceApp`, which answers ``HEAD`` as the ``GET`` without its body and puts
the path's real methods in ``Allow`` on ``OPTIONS`` and on 405 (RFC 9110 §9.3.2, §15.5.6).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.types import Message, Receive, Scope, Send
from litestar.utils import normalize_path

PROBED = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ServiceApp(Litestar):
    """A Litestar app with :mod:`peerlearn.http_methods`' rules for HEAD, OPTIONS and 405."""

    def methods_at(self, path: str) -> list[str]:
        """The methods a path answers, ``HEAD`` and ``OPTIONS`` included where they apply."""
        found = []
        for method in PROBED:
            try:
                self.asgi_router.handle_routing(path=normalize_path(path), method=method)
            except Exception:  # not found, or not allowed: this method is not one of the path's
                continue
            found.append(method)
        if "GET" in found:
            found.append("HEAD")
        return sorted({*found, "OPTIONS"}) if found else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        method = scope.get("method")
        if method == "HEAD" and "GET" in self.methods_at(scope["path"]):
            as_get: Any = {**scope, "method": "GET"}
            await super().__call__(as_get, receive, _without_body(send))
            return
        await super().__call__(scope, receive, self._true_allow(scope, send))

    def _true_allow(self, scope: Scope, send: Send) -> Send:
        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and (
                message["status"] == 405 or scope.get("method") == "OPTIONS"
            ):
                methods = self.methods_at(scope["path"])
                if methods:
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                    message["headers"] = [*headers, (b"allow", ", ".join(methods).encode())]
            await send(message)

        return send_with_allow


def _without_body(send: Send) -> Send:
    started = False

    async def send_head(message: Any) -> None:
        nonlocal started
        if message["type"] == "http.response.body":
            if not started:
                started = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(message)

    return send_head
