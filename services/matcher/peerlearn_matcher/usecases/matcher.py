"""What the matcher's use cases work with, bound once by the composition root.

:class:`Matcher` holds the unit of work, the live index, the directory, the stream feed and the
settings; every use case and event handler receives it (or has it bound) instead of reaching
into a live object. :class:`Effects` is what an event or a piece of feedback changed;
:func:`run_rounds` is how a background task repeats its round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from peerlearn import events
from peerlearn.directory.store import DirectoryStore
from peerlearn.store import Database
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_matcher.adapters import tables
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.feed import Feed
from peerlearn_matcher.adapters.index import LiveIndex
from peerlearn_matcher.settings import MatcherSettings

log = logging.getLogger("peerlearn.matcher")


async def run_rounds(round_: Callable[[], Awaitable[object]], pause: float, failure: str) -> None:
    """Run ``round_`` every ``pause`` seconds until cancelled; a failed round is logged and retried."""
    while True:
        try:
            await round_()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(failure)
        await asyncio.sleep(pause)


@dataclass
class Effects:
    """What a change touched: whose suggestions to recompute, which threads to re-route."""

    people: set[str] = field(default_factory=set)  # recomputed in the change's own transaction
    later: set[str] = field(default_factory=set)  # recomputed soon by the background refresher
    threads: set[str] = field(default_factory=set)
    republish: set[str] = field(default_factory=set)


class Backlog:
    """This process's view of the refresh backlog (the queue itself is stored:
    :mod:`peerlearn_matcher.adapters.refresh_backlog`): whom it queued that it has not yet seen
    refreshed, by any replica, and the event that wakes its refresher."""

    def __init__(self) -> None:
        self.pending: set[str] = set()
        self.wake = asyncio.Event()
        self.refreshing = False

    def add(self, people: set[str]) -> None:
        """Note that ``people`` were queued (their queueing committed) and wake the refresher."""
        if people:
            self.pending |= people
            self.wake.set()


@dataclass
class Matcher:
    """The matcher's parts for one process."""

    uow: UnitOfWork
    index: LiveIndex
    directory: DirectoryStore
    feed: Feed
    settings: MatcherSettings
    backlog: Backlog = field(default_factory=Backlog)
    # A rebuild must not re-announce history, and computes suggestions once at its end.
    announcing: bool = True
    defer_refresh: bool = False
    # Events applied by this process (benchmarks and operators watch it).
    handled: int = 0

    async def announce(
        self, tx: Transaction, data: events.Data, *, org_id: str | None
    ) -> events.Event | None:
        """Put an event in this transaction's outbox (not during a rebuild, which replays history)."""
        if not self.announcing:
            return None
        event = events.make_event(data, org_id=org_id)
        await tx.record(event)
        return event

    @classmethod
    def create(cls, database: Database, encoder: Encoder, settings: MatcherSettings) -> Matcher:
        """The parts on one database (not started: ``index.start()`` loads them)."""
        return cls(
            uow=UnitOfWork(database),
            index=LiveIndex(database, encoder, settings),
            directory=DirectoryStore(tables.directory),
            feed=Feed(streams_per_person=settings.streams_per_person),
            settings=settings,
        )

    @property
    def ready(self) -> asyncio.Event:
        """Set once the live index is loaded."""
        return self.index.ready

    @property
    def idle(self) -> bool:
        """No event or refresh in progress and none waiting (tests wait for this)."""
        backlog = self.backlog
        return not backlog.pending and not backlog.refreshing and not self.index.lock.locked()
