"""The matcher service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from peerlearn.bus import Bus
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn_matcher.settings import MatcherSettings, load

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: MatcherSettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
) -> Litestar:
    """Build the matcher app; no I/O happens until it starts."""
    settings = settings or load()
    return create_service_app(
        settings,
        title="peerlearn matcher",
        description="Suggestions of peers, mentors, experts and answerers, with their reasons.",
        route_handlers=[],
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
    )
