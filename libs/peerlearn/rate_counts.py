"""The kit's rate limits: a count per caller and window, kept in this process or atomically in Redis.

Every request that is not an operations probe counts against one of two limits, per caller and
per window of a minute that begins at the caller's first request: writes of an authenticated
caller against the write limit, reads against the read limit. Over its limit a request is refused
with 429 and Litestar's ``RateLimit-Policy``, ``-Limit``, ``-Remaining`` and ``-Reset`` headers
(which every admitted answer carries too); :mod:`peerlearn.request_envelope` adds ``Retry-After``.

The count is two numbers (how many, until when), never a list of request times. Without Redis it
is a dictionary of this process: no lock and no ``await`` between reading a count and writing it,
so requests take turns on it. With Redis one script per request increments the caller's count and
starts its window's expiry in one atomic step (``INCR``, then ``EXPIRE`` when the key is new), so
replicas sharing Redis count one limit: together they admit a caller at most the limit per window.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from time import time
from typing import Any, Protocol

from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send

from peerlearn.request_envelope import add_answer_headers

WINDOW_SECONDS = 60
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class RateCounts(Protocol):
    """Where the counts are kept."""

    async def count(self, key: str, window: int) -> tuple[int, int]:
        """Count one request under ``key``: the count in its window (this one included) and the
        seconds until the window resets (a new window begins at the first request after that)."""
        ...

    async def close(self) -> None:
        """Release the connection, if any."""
        ...


class MemoryCounts:
    """Counts in this process (a single replica, the tests)."""

    # Windows that ended are dropped at most every this many counts (a bounded sweep).
    SWEEP_EVERY = 10_000

    def __init__(self) -> None:
        self._windows: dict[str, list[int]] = {}
        self._since_sweep = 0

    async def count(self, key: str, window: int) -> tuple[int, int]:
        """As :meth:`RateCounts.count`; nothing awaited, so nothing interleaves."""
        now = int(time())
        self._since_sweep += 1
        if self._since_sweep >= self.SWEEP_EVERY:
            self._sweep(now)
        counted = self._windows.get(key)
        if counted is None or counted[1] <= now:
            counted = self._windows[key] = [0, now + window]
        counted[0] += 1
        return counted[0], counted[1] - now

    def _sweep(self, now: int) -> None:
        self._since_sweep = 0
        for key in [k for k, (_, reset) in self._windows.items() if reset <= now]:
            del self._windows[key]

    async def close(self) -> None:
        """Nothing to release."""


# One atomic step: the count, and the window's expiry set by the request that begins it (a key
# left without one, which a script cannot leave, would also get it here).
_COUNT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""


class RedisCounts:
    """Counts in Redis under ``peerlearn:<namespace>:``, shared by every replica."""

    def __init__(self, url: str, namespace: str) -> None:
        from redis.asyncio import Redis

        self._redis: Any = Redis.from_url(url)
        self._prefix = f"peerlearn:{namespace}:"
        self._script = self._redis.register_script(_COUNT_SCRIPT)

    async def count(self, key: str, window: int) -> tuple[int, int]:
        """As :meth:`RateCounts.count`, in one round trip."""
        n, ttl = await self._script(keys=[self._prefix + key], args=[window])
        return int(n), int(ttl)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def rate_counts(redis_url: str, namespace: str) -> RateCounts:
    """Counts in Redis when it is configured (replicas share them), else in this process."""
    return RedisCounts(redis_url, namespace) if redis_url else MemoryCounts()


class Limit:
    """A number of requests per window, and the headers that tell a caller where it stands."""

    __slots__ = ("_limit", "_policy", "name", "per_window", "window")

    def __init__(self, name: str, per_window: int, window: int = WINDOW_SECONDS) -> None:
        self.name = name
        self.per_window = per_window
        self.window = window
        self._policy = f"{per_window}; w={window}"
        self._limit = str(per_window)

    def headers(self, count: int, reset_in: int) -> dict[str, str]:
        """Litestar's rate limit headers for a caller at ``count`` requests in this window."""
        return {
            "RateLimit-Policy": self._policy,
            "RateLimit-Limit": self._limit,
            "RateLimit-Remaining": str(max(self.per_window - count, 0)),
            "RateLimit-Reset": str(reset_in),
        }


class RateLimits:
    """Pure ASGI middleware, after authentication (a caller's bucket is its person): the write
    limit and the read limit in one pass, one count per request.

    ``caller_of`` names the request's bucket (a person, the platform admin, an address) from its
    scope; ``unlimited`` are path patterns never limited (operations' probes and docs).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        counts: RateCounts,
        writes: Limit,
        reads: Limit,
        caller_of: Callable[[Scope], str],
        unlimited: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.counts = counts
        self.writes = writes
        self.reads = reads
        self.caller_of = caller_of
        self.unlimited = re.compile("|".join(f"(?:{p})" for p in unlimited)) if unlimited else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit_for(scope)
        if limit is not None:
            count, reset_in = await self.counts.count(f"{limit.name}:{self.caller_of(scope)}", limit.window)
            headers = limit.headers(count, reset_in)
            if count > limit.per_window:
                raise TooManyRequestsException(headers=headers)
            add_answer_headers(scope, [(k.lower().encode(), v.encode()) for k, v in headers.items()])
        await self.app(scope, receive, send)

    def _limit_for(self, scope: Scope) -> Limit | None:
        if scope["type"] != "http" or (self.unlimited and self.unlimited.search(scope["path"])):
            return None
        if scope["method"] in READS:  # type: ignore[typeddict-item]  # an http scope
            return self.reads
        # A write without a credential is refused (401) or limited by its own rule (sign-in), so
        # it does not use up the bucket that the caller's IP shares with everyone behind it.
        return self.writes if scope.get("user") is not None else None
