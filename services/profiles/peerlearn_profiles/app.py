"""The profiles service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from peerlearn.bus import Bus
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn_profiles.routes import api_router
from peerlearn_profiles.settings import ProfilesSettings, load

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: ProfilesSettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
) -> Litestar:
    """Build the profiles app; no I/O happens until it starts."""
    settings = settings or load()
    return create_service_app(
        settings,
        title="peerlearn profiles",
        description="People, skills, organisations and the cohorts they share.",
        route_handlers=[api_router(import_max_bytes=settings.import_max_bytes)],
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        idempotency_max_body=settings.import_max_bytes,
    )
