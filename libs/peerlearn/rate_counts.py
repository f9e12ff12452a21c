"""Litestar's rate limiting with a count per window instead of a list of request times.

Litestar's ``RateLimitMiddleware`` keeps, per caller, the time of every request of the current
window as a JSON list, decodes it, prepends one and encodes it again on every request; only the
list's *length* and the window's end are ever read. With a limit of thousands a minute that list
is thousands long: under wrk it was a third of the forum's samples on a cached anonymous read
(``bench/forum_api.py --py-spy``). This middleware keeps the same window, the same limit, the same
headers and the same store (memory or Redis), as two numbers: the count and when the window
resets. A value that does not decode is read as a fresh window.

As with Litestar's own middleware, a count is read, then written: within one process requests
take turns, but replicas sharing Redis can lose increments when they meet on one caller in the
same instant, so across N replicas a caller may get up to N times the limit. An atomic
``INCR`` + ``EXPIRE`` on Redis would close that; the stores' interface has no such operation.
"""

from __future__ import annotations

from time import time
from typing import cast

import msgspec
from litestar.middleware.rate_limit import DURATION_VALUES, CacheObject, RateLimitMiddleware
from litestar.stores.base import Store

_encoder = msgspec.json.Encoder()


class _Window(msgspec.Struct, array_like=True, frozen=True):
    count: int
    reset: int


_decoder = msgspec.json.Decoder(_Window)


class _Tally:
    """A request count that answers ``len()`` as the history list Litestar's middleware reads."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    def __len__(self) -> int:
        return self.count


def _history(count: int) -> list[int]:
    # The middleware only ever takes len() of the history (the check and the headers).
    return cast("list[int]", _Tally(count))


class CountingRateLimitMiddleware(RateLimitMiddleware):
    """``RateLimitMiddleware`` storing ``[count, reset]`` per caller and window (see the module)."""

    async def retrieve_cached_history(self, key: str, store: Store) -> CacheObject:
        """The caller's count in the current window (a new window once the last one reset)."""
        now = int(time())
        raw = await store.get(key)
        window: _Window | None = None
        if raw:
            try:
                window = _decoder.decode(raw)
            except msgspec.DecodeError:
                window = None  # not ours (another format): start a fresh window
        if window is None or window.reset <= now:
            return CacheObject(history=_history(0), reset=now + DURATION_VALUES[self.unit])
        return CacheObject(history=_history(window.count), reset=window.reset)

    async def set_cached_history(self, key: str, cache_object: CacheObject, store: Store) -> None:
        """Count this request in the caller's window."""
        count = len(cache_object.history) + 1
        cache_object.history = _history(count)
        await store.set(
            key, _encoder.encode(_Window(count, cache_object.reset)), expires_in=DURATION_VALUES[self.unit]
        )
