"""Keeping at it: the doubling wait between tries, and a step run on a schedule that no error
stops. One copy for the bus's redeliveries, notify's mails and webhooks and insights' LRS posts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("peerlearn.retrying")


def backoff_delay(attempt: int, *, base: float = 0.2, cap: float = 30.0) -> float:
    """Seconds to wait after the ``attempt``-th failure in a row: ``base``, then doubling, at most ``cap``."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


async def run_every(
    seconds: float, step: Callable[[], Awaitable[object]], name: str, *, wake: asyncio.Event | None = None
) -> None:
    """Await ``step()`` every ``seconds`` until cancelled; its errors are logged, never fatal.

    ``wake``, when set, starts the next step at once (notify's mail sender is woken by the
    commit that queued a mail instead of finding it up to a poll later; the poll stays, for
    mails queued by another replica or due after quiet hours).
    """
    while True:
        if wake is not None:
            wake.clear()  # a set during the step runs the next one right after it
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %gs", name, seconds)
        if wake is None:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), seconds)
