"""What the kit's ASGI middlewares share: reading a request body ahead of the app, handing it on
unchanged, and answering a refusal in the one error format before the app runs."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.types import Receive, Send


async def read_body(receive: Receive, limit: int) -> tuple[list[Any], int]:
    """The request's messages and body size, reading no further than just past ``limit``."""
    messages: list[Any] = []
    size = 0
    while True:
        message: Any = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body") or size > limit:
            return messages, size


def replaying(messages: list[Any], receive: Receive) -> Receive:
    """A ``receive`` that gives the app the messages already read, then the rest."""
    pending = list(messages)

    async def replay() -> Any:
        return pending.pop(0) if pending else await receive()

    return replay


def body_of(messages: list[Any]) -> bytes:
    """The body carried by the messages :func:`read_body` returned."""
    return b"".join(m.get("body", b"") for m in messages)


async def answer(send: Send, status: int, detail: str) -> None:
    """Refuse the request with ``{"status_code", "detail"}``, as the kit's error handler would."""
    body = msgspec.json.encode({"status_code": status, "detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
