"""The matcher service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from peerlearn.bus import Bus, Consumer
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn_matcher.api import MatcherController
from peerlearn_matcher.embeddings import Encoder
from peerlearn_matcher.feed import Feed
from peerlearn_matcher.live import LiveMatcher
from peerlearn_matcher.settings import MatcherSettings, load

MIGRATIONS = Path(__file__).parent / "migrations"

# Durable consumer names: the shared work queue of all matcher replicas on each stream.
PROFILES_DURABLE = "matcher-profiles"
FORUM_DURABLE = "matcher-forum"


def _provide_live(state: State) -> LiveMatcher:
    live: LiveMatcher = state.matcher
    return live


def create_app(
    settings: MatcherSettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
    encoder: Encoder | None = None,
) -> Litestar:
    """Build the matcher app; no I/O happens until it starts (the model loads at start-up)."""
    settings = settings or load()
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    own_encoder = encoder is None
    encoder = encoder or Encoder(settings.model_name)
    live = LiveMatcher(database, encoder, settings, Feed())

    def consumers(the_bus: Bus, _db: Database) -> list[Consumer]:
        common = {"handler": live.handle, "max_deliver": settings.consumer_max_deliver}
        return [
            Consumer(the_bus, stream="PROFILES", durable=PROFILES_DURABLE, **common),  # type: ignore[arg-type]
            Consumer(the_bus, stream="FORUM", durable=FORUM_DURABLE, **common),  # type: ignore[arg-type]
        ]

    refresher: list[asyncio.Task[None]] = []

    async def start(_app: Litestar) -> None:
        await live.start()
        refresher.append(asyncio.create_task(live.run_refresher(), name="matcher-refresher"))

    async def stop(_app: Litestar) -> None:
        for task in refresher:
            task.cancel()
        await asyncio.gather(*refresher, return_exceptions=True)
        if own_encoder:
            encoder.close()

    return create_service_app(
        settings,
        title="peerlearn matcher",
        description="Suggestions of peers, mentors, experts and answerers, with their reasons.",
        route_handlers=[MatcherController],
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        consumers=consumers,
        dependencies={"live": Provide(_provide_live, sync_to_thread=False)},
        on_startup=[start],
        on_shutdown=[stop],
        state={"matcher": live, "encoder": encoder},
    )
