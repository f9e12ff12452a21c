"""How often sign-in mails may be asked for: per address and per IP, in fixed 15-minute windows.

Counts live in a Litestar store (Redis when configured, so replicas share them). Addresses
are kept as a hash, never in clear. Like Litestar's own rate limiter this reads and writes
a counter without a transaction: across replicas a burst may get a few requests past the
limit, never many.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time

import msgspec
from litestar.stores.base import Store

WINDOW_SECONDS = 15 * 60


class SignInThrottle:
    """Admits a sign-in request or says how many seconds to wait."""

    def __init__(self, store: Store, *, per_address: int, per_ip: int, window_seconds: int = WINDOW_SECONDS):
        self.store = store
        self.per_address = per_address
        self.per_ip = per_ip
        self.window_seconds = window_seconds
        self._lock = asyncio.Lock()

    async def admit(self, address_key: str, ip: str) -> int | None:
        """Count this request; None if admitted, else the seconds until it would be (Retry-After)."""
        address = "address:" + hashlib.sha256(address_key.encode()).hexdigest()
        async with self._lock:  # one process never loses a count to its own interleaving
            now = time.time()
            counts = [(key, limit, await self._window(key, now)) for key, limit in
                      ((address, self.per_address), ("ip:" + ip, self.per_ip))]  # fmt: skip
            waits = [math.ceil(ends - now) for _, limit, (count, ends) in counts if count >= limit]
            if waits:
                return max(1, *waits)
            for key, _, (count, ends) in counts:
                await self.store.set(
                    key, msgspec.msgpack.encode((count + 1, ends)), expires_in=max(1, math.ceil(ends - now))
                )
            return None

    async def _window(self, key: str, now: float) -> tuple[int, float]:
        raw = await self.store.get(key)
        if raw is not None:
            count, ends = msgspec.msgpack.decode(raw, type=tuple[int, float])
            if ends > now:
                return count, ends
        return 0, now + self.window_seconds
