"""The profiles service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from peerlearn.bus import Bus
from peerlearn.mail import Mailer
from peerlearn.service import create_service_app, make_store
from peerlearn.store import Database
from peerlearn_profiles.adapters.id_tokens import IdTokenChecker
from peerlearn_profiles.adapters.sign_in_kit import SignInKit
from peerlearn_profiles.http.routes import api_router, public_router
from peerlearn_profiles.settings import ProfilesSettings, load

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(
    settings: ProfilesSettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
    mailer: Mailer | None = None,
    id_token_checker: IdTokenChecker | None = None,
) -> Litestar:
    """Build the profiles app; no I/O happens until it starts."""
    settings = settings or load()
    throttle_store = make_store(settings.redis_url, f"{settings.service}:sign-in")
    kit = SignInKit(settings, throttle_store, mailer=mailer, checker=id_token_checker)

    async def close_sign_in(_app: Litestar) -> None:
        await kit.close()

    return create_service_app(
        settings,
        title="peerlearn profiles",
        description="People, skills, organisations and the cohorts they share; signing in.",
        route_handlers=[public_router(), api_router(import_max_bytes=settings.import_max_bytes)],
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        idempotency_max_body=settings.import_max_bytes,
        stores={"sign_in": throttle_store},
        state={"sign_in": kit},
        on_shutdown=[close_sign_in],
    )
