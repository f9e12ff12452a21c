"""``peerlearn matcher rebuild``: the matcher's state from the event streams alone.

Empties the matcher's read model, suggestions and feedback, replays every event of the
PROFILES and FORUM streams, plus the matcher's own ``matcher.suggestion.feedback`` events
(declines and accepted mentorships are the matcher's own facts), in event-id order (ids are
time-ordered), through the same handlers and the same apply-once step the live consumers run
(:func:`peerlearn_matcher.usecases.reactions.handle`) — then computes the circles, trains and
stores the routing model, and computes every person's suggestions and every open question's
answerers once. Nothing is re-announced: a
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
from peerlearn_matcher.adapters import store
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.tables import MIGRATIONS
from peerlearn_matcher.settings import MatcherSettings
from peerlearn_matcher.usecases.circles import recompute_circles
from peerlearn_matcher.usecases.matcher import Matcher
from peerlearn_matcher.usecases.reactions import handle, matcher_handlers
from peerlearn_matcher.usecases.routing_training import train_routing
from peerlearn_matcher.usecases.suggestions import refresh_everyone

log = logging.getLogger("peerlearn.matcher.rebuild")

SOURCES = (("PROFILES", "profiles.>"), ("FORUM", "forum.>"), ("MATCHER", events.SUGGESTION_FEEDBACK))


@dataclass
class RebuildReport:
    """What a rebuild read and made."""

    events: int
    skipped: int
    people: int
    threads: int
    matcher: Matcher


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
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    encoder = encoder or Encoder(settings.model_name)
    own_bus = bus is None
    bus = bus or Bus.for_service(settings, name="peerlearn-matcher-rebuild")
    if own_bus:
        await bus.connect(timeout=10)
    try:
        await database.migrate(MIGRATIONS)
        async with database.transaction() as session:
            await store.clear_read_model(session)
        matcher = Matcher.create(database, encoder, settings)
        matcher.announcing = False
        matcher.defer_refresh = True
        await matcher.index.start()
        handlers = matcher_handlers(matcher, rebuilding=True)
        history, skipped = await read_history(bus)
        for event in history:
            await handle(matcher, handlers, event)
        matcher.defer_refresh = False
        if settings.bridging:
            await recompute_circles(matcher)  # the replayed forum's circles, before the lists
        # The routing model of the replayed history, before the open questions are routed.
        await train_routing(matcher, every=0)
        await refresh_everyone(matcher)
        engine = matcher.index.engine
        log.info("rebuilt from %d events (%d skipped)", len(history), skipped)
        return RebuildReport(len(history), skipped, len(engine.people), len(engine.threads), matcher)
    finally:
        if own_bus:
            await bus.close()
