"""A tap on a JetStream stream for tests: every event on it, in order, decoded, as it arrives.

Tests of every service assert on the events a request published; one tap serves them all::

    tap = StreamTap("forum.>")
    await tap.start(nats_url)
    mark = tap.mark()
    ...                                            # the request under test
    event = await tap.wait_for(lambda e: e.type == events.POST_CREATED, after=mark)
    found = await tap.wait_count(2, types=(events.POST_VOTED,), thread_id=thread_id)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import nats
from nats.js.api import DeliverPolicy

from peerlearn import events


class StreamTap:
    """Every event on ``subjects`` (an ordered consumer from the stream's start), decoded."""

    def __init__(self, subjects: str = ">", *, within: float = 10.0) -> None:
        self.subjects = subjects
        self.within = within
        self.events: list[events.Event] = []
        self._nc: Any = None
        self._arrived = asyncio.Event()

    async def start(self, url: str) -> StreamTap:
        """Subscribe from the first message of the stream holding ``subjects``."""
        self._nc = await nats.connect(url)
        js = self._nc.jetstream()
        await js.subscribe(
            self.subjects, cb=self._on_message, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        return self

    async def _on_message(self, message: Any) -> None:
        self.events.append(events.decode(message.data))
        self._arrived.set()

    async def stop(self) -> None:
        """Close the tap's own connection."""
        if self._nc is not None:
            await self._nc.close()
            self._nc = None

    def mark(self) -> int:
        """Where the tap is now: pass it as ``after`` to see only what comes later."""
        return len(self.events)

    def matching(self, *, after: int = 0, types: tuple[str, ...] = (), **match: Any) -> list[events.Event]:
        """The events after ``after`` of one of ``types`` whose data has every ``match`` value."""
        return [
            event
            for event in self.events[after:]
            if (not types or event.type in types)
            and all(getattr(event.data, key, None) == value for key, value in match.items())
        ]

    async def wait_for(self, predicate: Callable[[events.Event], bool], *, after: int = 0) -> events.Event:
        """The first event after index ``after`` that matches; fails after ``within`` seconds."""
        async with asyncio.timeout(self.within):
            while True:
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                self._arrived.clear()
                await self._arrived.wait()

    async def wait_count(
        self, count: int, *, after: int = 0, types: tuple[str, ...] = (), **match: Any
    ) -> list[events.Event]:
        """At least ``count`` events as :meth:`matching` selects them; fails after ``within`` seconds."""
        async with asyncio.timeout(self.within):
            while True:
                found = self.matching(after=after, types=types, **match)
                if len(found) >= count:
                    return found
                self._arrived.clear()
                await self._arrived.wait()
