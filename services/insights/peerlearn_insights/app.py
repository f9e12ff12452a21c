"""The insights service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.di import Provide

from peerlearn.bus import Bus
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn_insights.adapters.handlers import make_consumers
from peerlearn_insights.http.routes import CONTROLLERS
from peerlearn_insights.settings import InsightsSettings, load

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: InsightsSettings | None = None, *, database: Database | None = None, bus: Bus | None = None
) -> Litestar:
    """Build the insights app; no I/O happens until it starts."""
    settings = settings or load()
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    return create_service_app(
        settings,
        title="peerlearn insights",
        description="Insights: each person's learning record (JSON or xAPI 1.0.3).",
        route_handlers=CONTROLLERS,
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        consumers=lambda b, db: make_consumers(b, db, max_deliver=settings.consumer_max_deliver),
        dependencies={"public_url": Provide(lambda: settings.public_url, sync_to_thread=False)},
    )
