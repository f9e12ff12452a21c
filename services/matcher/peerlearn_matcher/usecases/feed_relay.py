"""Live lists for the tabs open on this replica, whichever replica computed them.

A person's tab holds a stream on one replica, while their list may be recomputed on another
(it took the event, or the feedback). Every replica therefore listens to
``matcher.suggestions.updated`` as it is published (plain NATS: at most once, nothing replayed)
and hands each list to its own :class:`~peerlearn_matcher.adapters.feed.Feed`, which drops what
its tabs already have. Nothing is lost if a message is: the list is stored, a stream starts
with it, and the next change sends it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn_matcher.usecases.matcher import Matcher


async def relay_lists(matcher: Matcher, bus: Bus) -> Callable[[], Awaitable[None]]:
    """Listen for every replica's fresh lists and feed them to this replica's open streams;
    return what stops it."""

    async def heard(event: events.Event) -> None:
        if isinstance(event.data, events.SuggestionsUpdated):
            matcher.feed.publish(event.data, event.occurred_at)

    return await bus.listen(events.SUGGESTIONS_UPDATED, heard)


async def run_feed_relay(matcher: Matcher, bus: Bus) -> None:
    """Relay lists until cancelled (the subscription itself outlives NATS reconnects)."""
    stop = await relay_lists(matcher, bus)
    try:
        await asyncio.Event().wait()
    finally:
        await stop()
