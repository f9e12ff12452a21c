"""The posting limit, a product rule: at most N new threads and posts per person a minute.

Only writes that succeed count: a slot is taken before the write and given back if the write
fails, so a refused request never uses up a person's allowance. Where the window is kept (this
process's memory, or Redis shared by replicas) is an adapter's business
(:mod:`peerlearn_forum.adapters.posting_window`); the rule and its answer are here.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol, runtime_checkable

from peerlearn.errors import TooMany

log = logging.getLogger("peerlearn.forum.posting")

WINDOW_SECONDS = 60.0


class Slot(Protocol):
    """One place taken in a person's window."""

    async def give_back(self) -> None:
        """The write failed: the place is free again."""
        ...


@runtime_checkable
class PostingWindow(Protocol):
    """The recent posts of each person, counted over the last :data:`WINDOW_SECONDS`.

    Runtime-checkable: the web framework checks injected dependencies against their type."""

    async def take(self, person_id: str) -> Slot:
        """A place in ``person_id``'s window, or :class:`~peerlearn.errors.TooMany`."""
        ...


def retry_after(oldest_counted: float, now: float) -> int:
    """Whole seconds until the oldest post counted in a full window leaves it (1 to the window).

    Never more than the window: a place stamped a moment after ``now`` (another replica's clock,
    a concurrent request) would otherwise round up to a second past it.
    """
    return min(int(WINDOW_SECONDS), max(1, int(oldest_counted + WINDOW_SECONDS - now + 0.999)))


def over_the_limit(limit: int, oldest_counted: float, now: float) -> TooMany:
    """The refusal of a post past the limit, saying when to come back."""
    seconds = retry_after(oldest_counted, now)
    return TooMany(
        f"at most {limit} new threads and posts a minute; try again in {seconds}s", retry_after=seconds
    )


@asynccontextmanager
async def counted_post(window: PostingWindow, person_id: str | None) -> AsyncIterator[None]:
    """Count the write inside the block toward ``person_id``'s limit only if it succeeds.

    The place is taken before the block runs (:class:`TooMany` when there is none) and given
    back if the block raises: a refused write (404, 403, 400, 409, a failed commit) is free.
    Callers without a person (the platform admin) are not counted.
    """
    if person_id is None:
        yield
        return
    slot = await window.take(person_id)
    try:
        yield
    except BaseException:
        try:
            await slot.give_back()
        except Exception:  # the write's own error matters more; the place expires with the window
            log.warning("could not give back a posting place of %s", person_id, exc_info=True)
        raise
