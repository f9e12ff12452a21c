"""``peerlearn matcher rebuild``: the matcher's state from the event streams alone.

Empties the matcher's read model, suggestions and feedback, replays every event of the
PROFILES and FORUM streams, plus the matcher's own ``matcher.suggestion.feedback`` events
(declines and accepted mentorships are the matcher's own facts), in event-id order (ids are
time-ordered), through the same handlers the live service runs — then computes every
person's suggestions and every open question's answerers once. Nothing is re-announced: a
rebuild writes no outbox events. Run it with the matcher stopped; its durable consumers then
resume where they were, and events they deliver again are skipped as already processed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.streams import stream_messages
from peerlearn_matcher import store
from peerlearn_matcher.embeddings import Encoder
from peerlearn_matcher.handlers import REBUILD_HANDLERS
from peerlearn_matcher.live import LiveMatcher
from peerlearn_matcher.settings import MatcherSettings

log = logging.getLogger("peerlearn.matcher.rebuild")

SOURCES = (("PROFILES", "profiles.>"), ("FORUM", "forum.>"), ("MATCHER", events.SUGGESTION_FEEDBACK))


@dataclass
class RebuildReport:
    """What a rebuild read and made."""

    events: int
    skipped: int
    people: int
    threads: int
    live: LiveMatcher


async def read_history(bus: Bus) -> tuple[list[events.Event], int]:
    """Every decodable event of the sources, in id (time) order; and how many were not events."""
    found: list[events.Event] = []
    skipped = 0
    for stream, subject in SOURCES:
        for payload in await stream_messages(bus, stream, subject):
            try:
                found.append(events.decode(payload))
            except events.EventDecodeError:
                skipped += 1
    found.sort(key=lambda e: e.id)
    return found, skipped


async def rebuild(
    settings: MatcherSettings,
    *,
    database: Database | None = None,
    encoder: Encoder | None = None,
    bus: Bus | None = None,
) -> RebuildReport:
    """Rebuild the matcher's database from the streams; return the report (with the rebuilt state)."""
    from peerlearn_matcher.app import MIGRATIONS

    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    encoder = encoder or Encoder(settings.model_name)
    own_bus = bus is None
    bus = bus or Bus(settings.nats_url, name="peerlearn-matcher-rebuild")
    if own_bus:
        await bus.connect(timeout=10)
    try:
        await database.migrate(MIGRATIONS)
        async with database.transaction() as session:
            await store.clear_read_model(session)
        live = LiveMatcher(database, encoder, settings, publish=False)
        live.handlers = REBUILD_HANDLERS
        live.defer_refresh = True
        await live.start()
        history, skipped = await read_history(bus)
        for event in history:
            await live.handle(event)
        live.defer_refresh = False
        await live.rebuild_all()
        engine = live.require_engine()
        log.info("rebuilt from %d events (%d skipped)", len(history), skipped)
        return RebuildReport(len(history), skipped, len(engine.people), len(engine.threads), live)
    finally:
        if own_bus:
            await bus.close()
