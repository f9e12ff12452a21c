"""The other services, as the web service calls them: one pooled HTTP client per upstream.

Every call carries the signed-in person's token (or none, for public reading). A refusal
becomes :class:`UpstreamError` with the upstream's status, detail and field errors; a
service that does not answer (refused connection, timeout, 5xx) becomes
:class:`UpstreamDown` naming it, so a page can say which service is not answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

# notify and insights are optional (pages work without them: no inbox, no unread count, no
# reports or learning record), so readiness leaves them out.
UPSTREAM_NAMES = ("profiles", "forum", "matcher")


class UpstreamError(Exception):
    """An upstream refused the request (4xx): its status, its message and per-field messages."""

    def __init__(self, service: str, status: int, detail: str, extra: Any = None) -> None:
        super().__init__(f"{service} answered {status}: {detail}")
        self.service = service
        self.status = status
        self.detail = detail
        self.extra = extra


class UpstreamDown(Exception):
    """An upstream did not answer usefully (unreachable, timed out, or a 5xx)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} is not answering: {reason}")
        self.service = service
        self.reason = reason


def _refusal(service: str, response: httpx.Response) -> UpstreamError:
    detail, extra = response.reason_phrase or "refused", None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = str(body.get("detail") or detail)
        extra = body.get("extra")
    return UpstreamError(service, response.status_code, detail, extra)


class Upstream:
    """One upstream service behind a pooled :class:`httpx.AsyncClient` with timeouts."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
            transport=transport,
        )
        # Open event streams (one per open home tab) live in a pool of their own, so that many
        # open tabs never take the connections page requests need.
        self.streams = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(10.0, read=None),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
            transport=transport,
        )

    @staticmethod
    def _headers(token: str | None, idempotency_key: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        idempotency_key: str | None = None,
        forwarded_for: str | None = None,
    ) -> Any:
        """Send one request; the decoded JSON body (None for 204), or raise an upstream error.

        ``forwarded_for`` is the browser's X-Forwarded-For chain (sign-in calls, whose limits
        count per client address; profiles believes it only from its trusted proxies)."""
        headers = self._headers(token, idempotency_key)
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        if content_type:
            headers["Content-Type"] = content_type
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.client.request(
                method, path, headers=headers, json=json, params=clean, content=content
            )
        except httpx.TimeoutException:
            raise UpstreamDown(self.name, "it did not answer in time") from None
        except httpx.TransportError as exc:
            raise UpstreamDown(self.name, f"cannot connect ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise UpstreamDown(self.name, f"it answered {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(self.name, response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def download(self, path: str, *, token: str | None) -> tuple[bytes, dict[str, str]]:
        """A GET whose body is a file, not JSON (an ``.ics``): its bytes and its headers."""
        headers = {**self._headers(token, None), "Accept": "*/*"}
        try:
            response = await self.client.get(path, headers=headers)
        except httpx.TimeoutException:
            raise UpstreamDown(self.name, "it did not answer in time") from None
        except httpx.TransportError as exc:
            raise UpstreamDown(self.name, f"cannot connect ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise UpstreamDown(self.name, f"it answered {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(self.name, response)
        return response.content, dict(response.headers)

    @asynccontextmanager
    async def stream_lines(self, path: str, *, token: str | None) -> AsyncIterator[AsyncIterator[str]]:
        """An open streaming GET (Server-Sent Events): its lines, as they come."""
        headers = {**self._headers(token, None), "Accept": "text/event-stream"}
        try:
            async with self.streams.stream("GET", path, headers=headers) as response:
                if response.status_code >= 500:
                    raise UpstreamDown(self.name, f"it answered {response.status_code}")
                if response.status_code >= 400:
                    await response.aread()
                    raise _refusal(self.name, response)
                yield response.aiter_lines()
        except httpx.TransportError as exc:
            raise UpstreamDown(self.name, f"cannot connect ({type(exc).__name__})") from None

    async def ping(self) -> None:
        """Raise :class:`UpstreamDown` unless the service says it is alive (``/health``)."""
        await self.call("GET", "/health")

    async def close(self) -> None:
        """Close the pools' connections."""
        await self.client.aclose()
        await self.streams.aclose()


class Upstreams:
    """The three upstream services the pages are built from, and notify (the inbox) and insights
    (reports, network, learning records) if known."""

    def __init__(
        self,
        profiles: Upstream,
        forum: Upstream,
        matcher: Upstream,
        notify: Upstream | None = None,
        insights: Upstream | None = None,
    ) -> None:
        self.profiles = profiles
        self.forum = forum
        self.matcher = matcher
        self.notify = notify
        self.insights = insights

    @classmethod
    def from_urls(cls, urls: dict[str, str], *, timeout: float = 10.0) -> Upstreams:
        """One pooled client per upstream named in ``urls``."""
        notify, insights = (
            Upstream(name, urls[name], timeout=timeout) if urls.get(name) else None
            for name in ("notify", "insights")
        )
        profiles, forum, matcher = (Upstream(name, urls[name], timeout=timeout) for name in UPSTREAM_NAMES)
        return cls(profiles, forum, matcher, notify, insights)

    def all(self) -> tuple[Upstream, ...]:
        """Every upstream, in a fixed order."""
        return (self.profiles, self.forum, self.matcher)

    async def check(self) -> dict[str, str]:
        """``{service: "ok" | "down: why"}`` for the readiness probe."""

        async def one(upstream: Upstream) -> str:
            try:
                await asyncio.wait_for(upstream.ping(), 2.0)
                return "ok"
            except (UpstreamDown, UpstreamError, TimeoutError) as exc:
                return f"down: {exc}"

        results = await asyncio.gather(*(one(u) for u in self.all()))
        return {u.name: r for u, r in zip(self.all(), results, strict=True)}

    async def close(self) -> None:
        """Close every pool."""
        for upstream in self.all():
            await upstream.close()
        for optional in (self.notify, self.insights):
            if optional is not None:
                await optional.close()
