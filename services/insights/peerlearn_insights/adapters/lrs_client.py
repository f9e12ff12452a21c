"""The outbound client of a learning record store: POST a batch of xAPI 1.0.3 statements to
``<endpoint>/statements`` with HTTP Basic, and say what the LRS answered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import msgspec


@dataclass(frozen=True)
class Destination:
    """One LRS: where, with which credentials (``password`` None: the sealed password could
    not be opened), and whether it is an org's own or the default."""

    key: str
    endpoint: str
    username: str
    password: str | None
    own: bool


@dataclass(frozen=True)
class Answer:
    """The LRS's status code (None: no answer) and what it said, short."""

    status_code: int | None
    text: str


class LrsClient:
    """Posts statements; one HTTP connection pool for every LRS, made at start."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout = timeout_seconds
        self._http: httpx.AsyncClient | None = None

    async def post(self, destination: Destination, statements: list[dict[str, Any]]) -> Answer:
        """POST ``statements`` (a list) to ``destination``; its answer or why there was none."""
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        if destination.password is None:
            return Answer(
                None, "the LRS password cannot be read (the service secret changed?): set the LRS again"
            )
        try:
            response = await self._http.post(
                f"{destination.endpoint.rstrip('/')}/statements",
                content=msgspec.json.encode(statements),
                headers={
                    "Content-Type": "application/json",
                    "X-Experience-API-Version": "1.0.3",
                    "User-Agent": "peerlearn-insights/1",
                },
                auth=(destination.username, destination.password),
            )
        except httpx.HTTPError as exc:
            return Answer(None, f"no answer from {destination.endpoint}: {type(exc).__name__} {exc}".strip())
        return Answer(response.status_code, f"{response.status_code} {response.text[:300]}".strip())

    async def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
