"""The forum's event handlers: profiles' directory (the library's, with the forum's follow-up on
erasure) and the matcher's suggestions, applied once each through :mod:`peerlearn.consuming`.

The registry is data, ``{subject: handler}``; each handler gets the open transaction and the
event. Rows are last-writer-wins by event time, so order does not matter either.
"""

from __future__ import annotations

from collections.abc import Sequence

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.consuming import Apply, consumers_for
from peerlearn.directory.handlers import directory_handlers
from peerlearn.store import Database
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_forum.adapters.store.directory import DIRECTORY
from peerlearn_forum.adapters.store.erasure import forget_person
from peerlearn_forum.adapters.store.suggestions import store_suggestions
from peerlearn_forum.adapters.store.tables import processed_events

STREAMS = ("PROFILES", "MATCHER")


async def person_erased(tx: Transaction, event: events.Event, _changed: bool) -> None:
    """After the directory's tombstone: the person's votes, flags, reputation and authorship go."""
    data = event.data
    assert isinstance(data, events.PersonDeleted)
    await forget_person(tx.session, data.person_id)


async def answerers_suggested(tx: Transaction, event: events.Event) -> None:
    """Keep the matcher's latest suggestions for the thread."""
    data = event.data
    assert isinstance(data, events.AnswerersSuggested)
    await store_suggestions(tx.session, data.thread_id, data, event.occurred_at)


PROFILES_HANDLERS: dict[str, Apply] = directory_handlers(
    DIRECTORY, follow_ups={events.PERSON_DELETED: person_erased}
)
MATCHER_HANDLERS: dict[str, Apply] = {events.ANSWERERS_SUGGESTED: answerers_suggested}
HANDLERS: dict[str, Apply] = {**PROFILES_HANDLERS, **MATCHER_HANDLERS}


def make_consumers(bus: Bus, database: Database, *, max_deliver: int = 5) -> Sequence[Consumer]:
    """The durable consumers ``forum-profiles`` and ``forum-matcher``, filtered to what is handled."""
    return consumers_for(
        bus,
        UnitOfWork(database),
        processed_events,
        HANDLERS,
        service="forum",
        streams=STREAMS,
        max_deliver=max_deliver,
    )
