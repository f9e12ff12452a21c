"""Feeding events to the handlers: one at a time, texts encoded first, each applied once.

The durable consumers ``matcher-profiles`` and ``matcher-forum`` and ``peerlearn matcher
rebuild`` both go through :func:`handle`, so a rebuild applies history exactly as the live
service applied it.
"""

from __future__ import annotations

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.consuming import Handlers, apply_once
from peerlearn_matcher.adapters import tables
from peerlearn_matcher.adapters.handlers import matcher_handlers
from peerlearn_matcher.usecases.matcher import Matcher

STREAMS = ("PROFILES", "FORUM")


async def handle(matcher: Matcher, handlers: Handlers, event: events.Event) -> bool:
    """Apply one event once, its texts encoded before its transaction opens, one at a time."""
    await matcher.index.ready.wait()
    await matcher.index.warm(event)
    async with matcher.index.lock:
        applied = await apply_once(matcher.uow, tables.processed_events, handlers, event)
    if applied:
        matcher.handled += 1
    return applied


def matcher_consumers(bus: Bus, matcher: Matcher) -> list[Consumer]:
    """The durable consumers ``matcher-profiles`` and ``matcher-forum``.

    They keep their whole streams (they were created before consumers were filtered); events no
    handler names are acknowledged and skipped.
    """
    handlers = matcher_handlers(matcher)

    async def apply(event: events.Event) -> None:
        await handle(matcher, handlers, event)

    return [
        Consumer(
            bus,
            stream=stream,
            durable=f"{matcher.settings.service}-{stream.lower()}",
            handler=apply,
            max_deliver=matcher.settings.consumer_max_deliver,
        )
        for stream in STREAMS
    ]
