"""In-process fan-out of fresh suggestions to open browser tabs (server-sent events).

The event handlers call :meth:`Feed.publish` after their transaction committed; every open
``GET /v1/people/{id}/suggestions/stream`` of that person holds a queue here. This is one
process's view: with several replicas, a tab is connected to one replica while the work for
its person may run on another, so each replica would instead feed its tabs from its own
ordered consumer of ``matcher.suggestions.updated`` on the MATCHER stream (every replica sees
every update), with this class as the last hop.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from peerlearn.errors import TooMany
from peerlearn.events import SuggestionsUpdated

QUEUE_SIZE = 16
# The end of a stream: the person was erased.
CLOSED = SuggestionsUpdated(person_id="", suggestions=[])


class Feed:
    """Per-person subscriber queues; a slow tab drops its oldest update, never blocks a handler."""

    def __init__(self, *, streams_per_person: int = 5) -> None:
        self.streams_per_person = streams_per_person
        self._queues: dict[str, set[asyncio.Queue[SuggestionsUpdated]]] = defaultdict(set)

    def subscribers(self, person_id: str) -> int:
        return len(self._queues.get(person_id, ()))

    def publish(self, update: SuggestionsUpdated) -> None:
        """Hand ``update`` to every open stream of its person."""
        for queue in list(self._queues.get(update.person_id, ())):
            if queue.full():
                queue.get_nowait()  # the newest list supersedes the oldest
            queue.put_nowait(update)

    @asynccontextmanager
    async def subscribe(self, person_id: str) -> AsyncIterator[asyncio.Queue[SuggestionsUpdated]]:
        """A queue of this person's updates for as long as the context is open; :data:`CLOSED` ends it."""
        queue: asyncio.Queue[SuggestionsUpdated] = asyncio.Queue(QUEUE_SIZE)
        self._queues[person_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[person_id].discard(queue)
            if not self._queues[person_id]:
                del self._queues[person_id]

    def admit(self, person_id: str) -> None:
        """Refuse one more stream of a person who already has ``streams_per_person`` open (429)."""
        if self.subscribers(person_id) >= self.streams_per_person:
            raise TooMany(
                f"at most {self.streams_per_person} open streams per person; close one first",
                retry_after=30,
            )

    def close_person(self, person_id: str) -> None:
        """A deleted person's open streams get an empty list, then end."""
        for queue in list(self._queues.get(person_id, ())):
            while queue.qsize() >= QUEUE_SIZE - 1:
                queue.get_nowait()
            queue.put_nowait(SuggestionsUpdated(person_id=person_id, suggestions=[]))
            queue.put_nowait(CLOSED)
