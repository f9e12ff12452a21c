"""Fan-out of fresh suggestions to the browser tabs open on this replica (server-sent events).

Every open ``GET /v1/people/{id}/suggestions/stream`` of a person holds a queue here. A list
arrives twice on the replica that computed it: at once, after its transaction committed, and
again as every replica hears it (``matcher.suggestions.updated``, see
:mod:`~peerlearn_matcher.usecases.feed_relay`), which is how a tab on one replica learns what
another computed. Each list carries the time of its event, and a person's tabs get only lists
newer than the last they got: the echo, and a list overtaken on the way, are dropped.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

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
        self._latest: dict[str, datetime] = {}  # per person with open tabs: the newest list's time

    def subscribers(self, person_id: str) -> int:
        return len(self._queues.get(person_id, ()))

    def publish(self, update: SuggestionsUpdated, at: datetime | None = None) -> None:
        """Hand ``update`` (of a list computed ``at``) to every open stream of its person, unless
        they already have that list or a newer one."""
        queues = self._queues.get(update.person_id)
        if not queues:
            return
        if at is not None:
            latest = self._latest.get(update.person_id)
            if latest is not None and at <= latest:
                return
            self._latest[update.person_id] = at
        for queue in list(queues):
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
                self._latest.pop(person_id, None)

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
