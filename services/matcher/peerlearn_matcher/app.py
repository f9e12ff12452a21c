"""The matcher service's composition root: settings and adapters in, a Litestar app out.

Binds the parts once (:class:`~peerlearn_matcher.usecases.matcher.Matcher`): the unit of work,
the live index, the directory, the stream feed; the event handlers get it bound
(:func:`~peerlearn_matcher.adapters.handlers.matcher_handlers`), the controllers get it
injected as ``matcher``. No I/O happens until the app starts (the model loads at start-up).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.bus import Bus, Consumer
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.metrics import index_size
from peerlearn_matcher.adapters.tables import MIGRATIONS
from peerlearn_matcher.http.cohorts import CohortsController
from peerlearn_matcher.http.mentorships import MentorshipsController
from peerlearn_matcher.http.programme import ProgrammeController
from peerlearn_matcher.http.suggestions import SuggestionsController
from peerlearn_matcher.http.threads import ThreadsController
from peerlearn_matcher.settings import MatcherSettings, load
from peerlearn_matcher.usecases.catching_up import run_catch_up
from peerlearn_matcher.usecases.circles import run_circles
from peerlearn_matcher.usecases.feed_relay import run_feed_relay
from peerlearn_matcher.usecases.follow_through import run_follow_through
from peerlearn_matcher.usecases.matcher import Matcher, run_rounds
from peerlearn_matcher.usecases.mentorship_endings import run_expiry
from peerlearn_matcher.usecases.reactions import handle, matcher_handlers, prepare
from peerlearn_matcher.usecases.routing_training import run_routing_training
from peerlearn_matcher.usecases.suggestions import run_refresher

__all__ = ["MIGRATIONS", "create_app"]


STREAMS = ("PROFILES", "FORUM")
# How often an index that crossed PEERLEARN_MATCHER_ANN_ABOVE is looked for (its graph is then
# built in a worker thread; searches stay exact until then).
GRAPH_LOOK_SECONDS = 5.0


def matcher_consumers(bus: Bus, matcher: Matcher) -> list[Consumer]:
    """The durable consumers ``matcher-profiles`` and ``matcher-forum``.

    They keep their whole streams (they were created before consumers were filtered); events no
    handler names are acknowledged and skipped.
    """
    handlers = matcher_handlers(matcher)

    async def apply(event: events.Event) -> None:
        await handle(matcher, handlers, event)

    async def warm(batch: Sequence[events.Event]) -> None:
        await prepare(matcher, batch)

    return [
        Consumer(
            bus,
            stream=stream,
            durable=f"{matcher.settings.service}-{stream.lower()}",
            handler=apply,
            max_deliver=matcher.settings.consumer_max_deliver,
            prepare=warm,
        )
        for stream in STREAMS
    ]


def _provide_matcher(state: State, principal: Principal | None) -> Matcher:
    # ``principal`` is taken only to be resolved first, as the kit's ``principal`` takes ``uow``:
    # Litestar resolves dependencies that do not depend on each other in an anyio task group,
    # a quarter of the matcher's time on a cached suggestions read (py-spy under wrk), although
    # each is a lookup. Chained (uow, principal, matcher), each is resolved in turn at no cost.
    del principal
    matcher: Matcher = state.matcher
    return matcher


def create_app(
    settings: MatcherSettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
    encoder: Encoder | None = None,
) -> Litestar:
    """Build the matcher app; adapters may be passed in (tests), else made from settings."""
    settings = settings or load()
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    own_encoder = encoder is None
    encoder = encoder or Encoder(settings.model_name)
    matcher = Matcher.create(database, encoder, settings)
    refresher: list[asyncio.Task[None]] = []

    async def start(app: Litestar) -> None:
        await matcher.index.start()
        refresher.append(asyncio.create_task(run_refresher(matcher), name="matcher-refresher"))
        refresher.append(asyncio.create_task(run_expiry(matcher), name="matcher-mentorship-expiry"))
        refresher.append(asyncio.create_task(run_follow_through(matcher), name="matcher-follow-through"))
        refresher.append(asyncio.create_task(run_catch_up(matcher), name="matcher-catch-up"))
        training = run_routing_training(matcher)
        refresher.append(asyncio.create_task(training, name="matcher-routing-training"))
        graphs = run_rounds(matcher.index.build_graphs, GRAPH_LOOK_SECONDS, "building an HNSW graph failed")
        refresher.append(asyncio.create_task(graphs, name="matcher-graphs"))
        relay = run_feed_relay(matcher, app.state.bus)
        refresher.append(asyncio.create_task(relay, name="matcher-feed-relay"))
        if settings.bridging:
            circles = run_circles(matcher, settings.circles_seconds)
            refresher.append(asyncio.create_task(circles, name="matcher-circles"))

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
        route_handlers=[
            SuggestionsController,
            ThreadsController,
            CohortsController,
            MentorshipsController,
            ProgrammeController,
        ],
        migrations=MIGRATIONS,
        database=database,
        unit_of_work=matcher.uow,
        bus=bus,
        consumers=lambda the_bus, _db: matcher_consumers(the_bus, matcher),
        dependencies={"matcher": Provide(_provide_matcher, sync_to_thread=False)},
        on_startup=[start],
        on_shutdown=[stop],
        state={"matcher": matcher, "encoder": encoder},
        scrape_hooks=[index_size],
    )
