"""The insights service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide

from peerlearn.bus import Bus
from peerlearn.retrying import run_every
from peerlearn.sealing import SecretSealer
from peerlearn.service import create_service_app
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.adapters.handlers import make_consumers
from peerlearn_insights.adapters.lrs_client import Destination, LrsClient
from peerlearn_insights.adapters.metrics import statements
from peerlearn_insights.http.routes import CONTROLLERS
from peerlearn_insights.settings import InsightsSettings, load
from peerlearn_insights.usecases.analysed_networks import AnalysedNetworks
from peerlearn_insights.usecases.statement_delivery import DEFAULT, StatementSender

MIGRATIONS = Path(__file__).parent / "migrations"


def statement_sender(settings: InsightsSettings, uow: UnitOfWork, sealer: SecretSealer) -> StatementSender:
    """The sender of the statement outbox, with the default LRS when one is configured."""
    default = None
    if settings.xapi_endpoint:
        default = Destination(
            DEFAULT, settings.xapi_endpoint.rstrip("/"), settings.xapi_username, settings.xapi_password, False
        )
    return StatementSender(
        uow,
        LrsClient(settings.xapi_timeout_seconds),
        sealer,
        settings.public_url,
        default,
        batch_size=settings.xapi_batch_size,
        retry_seconds=settings.xapi_retry_seconds,
        max_backoff_seconds=settings.xapi_max_backoff_seconds,
    )


def create_app(
    settings: InsightsSettings | None = None, *, database: Database | None = None, bus: Bus | None = None
) -> Litestar:
    """Build the insights app; no I/O happens until it starts."""
    settings = settings or load()
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    uow = UnitOfWork(database)
    # LRS passwords are sealed under a key derived from the service secret (peerlearn.sealing).
    sealer = SecretSealer(settings.jwt_secret, "insights lrs password")
    sender = statement_sender(settings, uow, sealer)
    networks = AnalysedNetworks()
    tasks: list[asyncio.Task[None]] = []

    async def start_sender(_app: Litestar) -> None:
        every = run_every(settings.xapi_poll_seconds, sender.dispatch_due, "statement sender")
        tasks.append(asyncio.create_task(every, name="insights-statements"))

    async def stop_sender(_app: Litestar) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sender.stop()

    return create_service_app(
        settings,
        title="peerlearn insights",
        description="Insights: each person's learning record (JSON or xAPI 1.0.3), sent to each org's LRS.",
        route_handlers=CONTROLLERS,
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        unit_of_work=uow,
        consumers=lambda b, db: make_consumers(b, db, max_deliver=settings.consumer_max_deliver),
        dependencies={
            "public_url": Provide(lambda: settings.public_url, sync_to_thread=False),
            "lrs_sealer": Provide(lambda: sealer, sync_to_thread=False),
            "analysed_networks": Provide(lambda: networks, sync_to_thread=False),
            "xapi_default_endpoint": Provide(lambda: settings.xapi_endpoint, sync_to_thread=False),
        },
        on_startup=[start_sender],
        on_shutdown=[stop_sender],
        state={"statement_sender": sender},
        scrape_hooks=[statements],
    )
