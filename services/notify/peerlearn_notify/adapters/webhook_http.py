"""Posting to a webhook's URL safely: the host is resolved and every address checked (no
loopback, link-local, private, multicast or unspecified ones unless allowed), then the request
goes to the checked address itself, so a DNS answer that changes between the check and the
connection (rebinding) cannot redirect it; redirects are never followed."""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from peerlearn.errors import Invalid
from peerlearn_notify.domain.webhooks import host_of, why_refused

RESOLVE_SECONDS = 5.0


class Refused(Exception):
    """The URL may not be posted to (its reason is the message)."""


@dataclass(frozen=True)
class Outcome:
    """One attempt's result: the status code the receiver answered, or None, and an error (None
    when delivered: a 2xx)."""

    status_code: int | None
    error: str | None


class AddressGuard:
    """Resolves a URL's host and refuses non-public addresses (unless ``allow_private``)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def addresses(self, url: str) -> list[str]:
        """The checked addresses of the URL's host; :class:`Refused` says why there are none."""
        try:
            host, port = host_of(url)
        except Invalid as exc:
            raise Refused(exc.detail) from None
        loop = asyncio.get_running_loop()
        try:
            found = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_SECONDS
            )
        except (OSError, TimeoutError, UnicodeError) as exc:
            raise Refused(f"the host {host} does not resolve ({exc or 'timed out'})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses:
            raise Refused(f"the host {host} does not resolve")
        if not self.allow_private:
            for address in addresses:
                why = why_refused(address)
                if why is not None:
                    raise Refused(
                        f"the host {host} resolves to {address}, a {why} address; webhooks reach "
                        "public addresses only (PEERLEARN_WEBHOOK_ALLOW_PRIVATE=1 allows others)"
                    )
        return addresses

    async def check(self, url: str) -> None:
        """:class:`Invalid` (400) when a webhook may not be made with ``url``."""
        try:
            await self.addresses(url)
        except Refused as exc:
            raise Invalid(f"url refused: {exc}") from None


class WebhookPoster:
    """POSTs one body to one URL through the guard, with timeouts, never following redirects."""

    def __init__(
        self, guard: AddressGuard, timeout_seconds: float, *, verify: ssl.SSLContext | bool = True
    ) -> None:
        self.guard = guard
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 5.0))
        self.verify = verify  # the system's CAs; a test's own CA

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        """Post and tell what happened (never raises for the receiver's or network's faults)."""
        try:
            addresses = await self.guard.addresses(url)
        except Refused as exc:
            return Outcome(None, f"refused: {exc}")
        parts = urlsplit(url)
        host = parts.hostname or ""
        address = addresses[0]
        netloc = f"[{address}]" if ":" in address else address
        if parts.port is not None:
            netloc += f":{parts.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        # The Host header and TLS name stay the URL's: only the connection is pinned.
        sent = {**headers, "Host": parts.netloc, "Content-Type": "application/json"}
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, verify=self.verify) as client,
                client.stream("POST", pinned, content=body, headers=sent, extensions=extensions) as response,
            ):
                status = response.status_code
                location = response.headers.get("location", "")
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        if 200 <= status < 300:
            return Outcome(status, None)
        if 300 <= status < 400:
            return Outcome(status, f"answered {status}, a redirect to {location or '?'} (not followed)")
        return Outcome(status, f"answered {status}")
