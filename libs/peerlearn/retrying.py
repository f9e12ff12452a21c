"""Keeping at it: the doubling wait between tries, and a step run on a schedule that no error
stops. One copy for the bus's redeliveries, notify's mails and webhooks and insights' LRS posts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("peerlearn.retrying")


def backoff_delay(attempt: int, *, base: float = 0.2, cap: float = 30.0) -> float:
    """Seconds to wait after the ``attempt``-th failure in a row: ``base``, then doubling, at most ``cap``."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


async def run_every(seconds: float, step: Callable[[], Awaitable[object]], name: str) -> None:
    """Await ``step()`` every ``seconds`` until cancelled; its errors are logged, never fatal."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %gs", name, seconds)
        await asyncio.sleep(seconds)
