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

import aiohttp
import msgspec

_encoder = msgspec.json.Encoder()


def _encode_json(value: Any) -> str:
    return _encoder.encode(value).decode()


def _decode_json(raw: bytes) -> Any:
    return msgspec.json.decode(raw)


async def _lines(content: aiohttp.StreamReader) -> AsyncIterator[str]:
    """A response body's lines as text, without their line ends (as an event stream is read)."""
    async for line in content:
        yield line.decode("utf-8", errors="replace").rstrip("\r\n")


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


def _refusal(service: str, status: int, reason: str | None, body: bytes) -> UpstreamError:
    detail, extra = reason or "refused", None
    try:
        decoded = _decode_json(body) if body else None
    except msgspec.DecodeError:
        decoded = None
    if isinstance(decoded, dict):
        detail = str(decoded.get("detail") or detail)
        extra = decoded.get("extra")
    return UpstreamError(service, status, detail, extra)


def _query(params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Query parameters as pairs: empty values left out, a list repeats its key, booleans as
    ``true``/``false`` (what the services' Litestar parses)."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None or item == "":
                continue
            pairs.append((key, ("true" if item else "false") if isinstance(item, bool) else str(item)))
    return pairs


class Upstream:
    """One upstream service behind a pooled :class:`aiohttp.ClientSession` with timeouts.

    aiohttp rather than httpx: every page makes one to three upstream calls, and under 16
    concurrent users httpx's pool spent 4.3-4.9 ms of CPU per call (it polls every pooled
    connection on each request) against aiohttp's 0.5-0.6 ms (measured in one run, same server).
    The sessions are made on first use, in the loop that serves the pages.
    """

    def __init__(self, name: str, base_url: str, *, timeout: float = 10.0) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))
        # Open event streams (one per open home tab) have a pool of their own, so that many
        # open tabs never take the connections page requests need; they never time out reading.
        self._stream_timeout = aiohttp.ClientTimeout(total=None, connect=min(timeout, 3.0), sock_read=None)
        self._session: aiohttp.ClientSession | None = None
        self._streams: aiohttp.ClientSession | None = None

    @property
    def client(self) -> aiohttp.ClientSession:
        """The pooled session for page requests (made in the running loop on first use)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=100, limit_per_host=100),
                json_serialize=_encode_json,
            )
        return self._session

    @property
    def streams(self) -> aiohttp.ClientSession:
        """The session for open event streams (no connection limit, no keep-alive)."""
        if self._streams is None or self._streams.closed:
            self._streams = aiohttp.ClientSession(
                timeout=self._stream_timeout,
                connector=aiohttp.TCPConnector(limit=0, force_close=True),
            )
        return self._streams

    @staticmethod
    def _headers(token: str | None, idempotency_key: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    async def _send(
        self, method: str, path: str, headers: dict[str, str], **kw: Any
    ) -> tuple[int, bytes, dict[str, str]]:
        """One request: status, body and headers; a timeout or a lost connection is
        :class:`UpstreamDown`, a 5xx too, a 4xx :class:`UpstreamError`."""
        try:
            async with self.client.request(method, self.base_url + path, headers=headers, **kw) as response:
                body = await response.read()
                status, reason, answered = response.status, response.reason, dict(response.headers)
        except TimeoutError:
            raise UpstreamDown(self.name, "it did not answer in time") from None
        except aiohttp.ClientError as exc:
            raise UpstreamDown(self.name, f"cannot connect ({type(exc).__name__})") from None
        if status >= 500:
            raise UpstreamDown(self.name, f"it answered {status}")
        if status >= 400:
            raise _refusal(self.name, status, reason, body)
        return status, body, answered

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
        body: dict[str, Any] = {}
        if json is not None:
            body["json"] = json
        elif content is not None:
            body["data"] = content
        status, raw, _headers = await self._send(method, path, headers, params=_query(params), **body)
        if status == 204 or not raw:
            return None
        return _decode_json(raw)

    async def download(
        self, path: str, *, token: str | None, params: dict[str, Any] | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A GET whose body is a file, not JSON (an ``.ics``, an SVG): its bytes and its headers."""
        headers = {**self._headers(token, None), "Accept": "*/*"}
        _status, raw, answered = await self._send("GET", path, headers, params=_query(params))
        return raw, {key.lower(): value for key, value in answered.items()}

    @asynccontextmanager
    async def stream_lines(self, path: str, *, token: str | None) -> AsyncIterator[AsyncIterator[str]]:
        """An open streaming GET (Server-Sent Events): its lines, as they come."""
        headers = {**self._headers(token, None), "Accept": "text/event-stream"}
        try:
            async with self.streams.get(self.base_url + path, headers=headers) as response:
                if response.status >= 500:
                    raise UpstreamDown(self.name, f"it answered {response.status}")
                if response.status >= 400:
                    raise _refusal(self.name, response.status, response.reason, await response.read())
                yield _lines(response.content)
        except aiohttp.ClientError as exc:
            raise UpstreamDown(self.name, f"cannot connect ({type(exc).__name__})") from None

    async def ping(self) -> None:
        """Raise :class:`UpstreamDown` unless the service says it is alive (``/health``)."""
        await self.call("GET", "/health")

    async def close(self) -> None:
        """Close the pools' connections."""
        for session in (self._session, self._streams):
            if session is not None and not session.closed:
                await session.close()


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

    def required(self, name: str) -> Upstream:
        """An optional upstream (notify, insights) a page cannot do without: UpstreamDown naming
        its setting when this web app has no address for it."""
        found: Upstream | None = getattr(self, name)
        if found is None:
            raise UpstreamDown(name, f"no address is configured (PEERLEARN_WEB_{name.upper()}_URL)")
        return found

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
