"""Waiting for something that happens asynchronously, without sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], *, timeout: float = 15.0, interval: float = 0.05
) -> T:
    """Call ``check`` until it returns a truthy value (returned) or ``timeout`` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:g}s (last value: {last!r})")
        await asyncio.sleep(interval)


async def settled(database: Any, event_ids: Iterable[str], *, within: float = 15.0) -> None:
    """Wait until a consuming service applied every event in ``event_ids``.

    Reads the service's ``processed_events`` table (:mod:`peerlearn.consuming`), so a test can
    publish events and then assert on the read model without sleeping.
    """
    import sqlalchemy as sa

    wanted = set(event_ids)
    table = sa.table("processed_events", sa.column("event_id"))

    async def applied() -> bool:
        async with database.reading() as session:
            done = set(await session.scalars(sa.select(table.c.event_id).where(table.c.event_id.in_(wanted))))
        return done >= wanted

    await eventually(applied, timeout=within)
