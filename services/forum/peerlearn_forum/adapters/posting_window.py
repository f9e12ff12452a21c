"""Where the posting limit's window is kept: this process's memory, or Redis shared by replicas.

With Redis the window is a sorted set per person and taking a place is one ``MULTI``: drop
entries older than the window, add ours, count. Over the limit, ours is removed again and the
answer is 429, so two replicas racing for the last place can never both get it (at worst both
are refused, and a retry a moment later succeeds). In memory, taking a place has no ``await``
between reading the window and writing it, so one event loop makes it atomic.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from peerlearn_forum.domain.posting import WINDOW_SECONDS, over_the_limit


class Taken:
    """A place taken in a window, and how to give it back."""

    def __init__(self, give_back: Callable[[], Awaitable[None]]) -> None:
        self._give_back = give_back

    async def give_back(self) -> None:
        """Free the place (the write it was taken for failed)."""
        await self._give_back()


class MemoryPostingWindow:
    """The window in this process (one replica): a list of recent post times per person."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._times: dict[str, list[float]] = {}

    async def take(self, person_id: str) -> Taken:
        """A place in the person's window, or ``TooMany`` saying when the oldest one leaves it."""
        now = time.time()
        recent = [t for t in self._times.get(person_id, ()) if t > now - WINDOW_SECONDS]
        if len(recent) >= self.limit:
            self._times[person_id] = recent
            raise over_the_limit(self.limit, recent[-self.limit], now)
        recent.append(now)
        self._times[person_id] = recent

        async def give_back() -> None:
            times = self._times.get(person_id, [])
            if now in times:
                times.remove(now)

        return Taken(give_back)

    async def close(self) -> None:
        """Nothing to close in memory."""


class RedisPostingWindow:
    """The window in Redis (every replica counts together): a sorted set of post times per person."""

    def __init__(self, redis: Any, limit: int, *, namespace: str = "peerlearn:forum:posting") -> None:
        self.redis = redis
        self.limit = limit
        self.namespace = namespace

    async def take(self, person_id: str) -> Taken:
        """A place in the person's window, or ``TooMany`` saying when the oldest one leaves it."""
        key = f"{self.namespace}:{person_id}"
        now = time.time()
        member = f"{now:.6f}:{uuid.uuid4().hex}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now - WINDOW_SECONDS)
            pipe.zadd(key, {member: now})
            pipe.zcard(key)
            pipe.expire(key, int(WINDOW_SECONDS) + 1)
            _, _, count, _ = await pipe.execute()
        if int(count) > self.limit:
            await self.redis.zrem(key, member)
            counted = await self.redis.zrange(key, -self.limit, -self.limit, withscores=True)
            raise over_the_limit(self.limit, float(counted[0][1]) if counted else now, now)

        async def give_back() -> None:
            await self.redis.zrem(key, member)

        return Taken(give_back)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()


def posting_window_for(redis_url: str, limit: int) -> MemoryPostingWindow | RedisPostingWindow:
    """The window the settings ask for: Redis when ``redis_url`` is set (no I/O until first use)."""
    if not redis_url:
        return MemoryPostingWindow(limit)
    from redis.asyncio import Redis

    return RedisPostingWindow(Redis.from_url(redis_url), limit)
