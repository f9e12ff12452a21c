"""The notify service's composition root: settings and adapters in, a Litestar app out."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide

from peerlearn.bus import Bus
from peerlearn.retrying import run_every
from peerlearn.service import create_service_app, make_store
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.handlers import make_consumers
from peerlearn_notify.adapters.inbox import LastSeen
from peerlearn_notify.adapters.metrics import deliveries
from peerlearn_notify.adapters.postman import Postman, postman_for
from peerlearn_notify.adapters.webhook_http import AddressGuard, WebhookPoster
from peerlearn_notify.adapters.webhook_secrets import SecretBox, seal_stored
from peerlearn_notify.adapters.workers import DigestClock, MailSender
from peerlearn_notify.http.routes import CONTROLLERS
from peerlearn_notify.http.stream_slots import StreamSlots
from peerlearn_notify.settings import NotifySettings, load
from peerlearn_notify.usecases.notifying import Delivery
from peerlearn_notify.usecases.webhook_delivery import WebhookSender, check_unanswered

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("peerlearn.notify")


def create_app(
    settings: NotifySettings | None = None,
    *,
    database: Database | None = None,
    bus: Bus | None = None,
    mailer: Postman | None = None,
) -> Litestar:
    """Build the notify app; no I/O happens until it starts."""
    settings = settings or load()
    database = database or Database(settings.sqlalchemy_url, schema=settings.service)
    postman = mailer or postman_for(settings.smtp_url, settings.data_dir, settings.mail_from)
    secret = settings.jwt_secret or secrets.token_urlsafe(32)
    if not settings.jwt_secret:
        log.warning("no PEERLEARN_JWT_SECRET: unsubscribe links work only until this process stops")
    last_seen = LastSeen(
        make_store(settings.redis_url, f"{settings.service}:seen"), timedelta(minutes=settings.active_minutes)
    )
    delivery = Delivery(
        public_url=settings.public_url,
        unsubscribe_url=settings.unsubscribe_base,
        secret=secret,
        immediate_mails_per_day=settings.immediate_mails_per_day,
        last_seen=last_seen if settings.active_minutes else None,
        mail_queued=asyncio.Event(),
    )
    uow = UnitOfWork(database)
    sender = MailSender(
        uow, postman, attempts=settings.mail_attempts, retry_seconds=settings.mail_retry_seconds
    )
    clock = DigestClock(uow, delivery, settings.digest_hour)
    slots = StreamSlots(settings.streams_per_person)
    webhook_guard = AddressGuard(allow_private=settings.webhook_allow_private)
    # Keyed from the service secret: without PEERLEARN_JWT_SECRET (warned above) a restart
    # leaves the sealed secrets unreadable, and their deliveries fail visibly.
    box = SecretBox(secret)
    webhooks = WebhookSender(
        uow,
        WebhookPoster(webhook_guard, settings.webhook_timeout_seconds),
        delivery,
        attempts=settings.webhook_attempts,
        retry_seconds=settings.webhook_retry_seconds,
        failures_to_disable=settings.webhook_failures_to_disable,
        box=box,
    )
    tasks: list[asyncio.Task[None]] = []

    async def start_workers(_app: Litestar) -> None:
        sealed = await seal_stored(uow, box)
        if sealed:
            log.info("sealed %d webhook secrets stored in the clear by an earlier version", sealed)
        every = settings.mail_poll_seconds
        tasks.append(
            asyncio.create_task(
                run_every(every, sender.send_due, "mail sender", wake=delivery.mail_queued),
                name="notify-mail",
            )
        )
        tasks.append(
            asyncio.create_task(
                run_every(settings.digest_poll_seconds, clock.tick, "digests"), name="notify-digests"
            )
        )
        tasks.append(
            asyncio.create_task(
                run_every(settings.webhook_poll_seconds, webhooks.dispatch_due, "webhook sender"),
                name="notify-webhooks",
            )
        )
        tasks.append(
            asyncio.create_task(
                run_every(
                    settings.unanswered_poll_seconds,
                    lambda: check_unanswered(uow, delivery),
                    "unanswered questions",
                ),
                name="notify-unanswered",
            )
        )

    async def stop_workers(_app: Litestar) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await webhooks.stop()

    return create_service_app(
        settings,
        title="peerlearn notify",
        description="Notifications: the inbox, its live stream, mail settings, immediate mail and digests.",
        route_handlers=CONTROLLERS,
        migrations=MIGRATIONS,
        database=database,
        bus=bus,
        consumers=lambda b, db: make_consumers(b, db, delivery, max_deliver=settings.consumer_max_deliver),
        dependencies={
            "stream_slots": Provide(lambda: slots, sync_to_thread=False),
            "notify_poll_seconds": Provide(lambda: settings.mail_poll_seconds, sync_to_thread=False),
            "unsubscribe_secret": Provide(lambda: secret, sync_to_thread=False),
            "last_seen": Provide(lambda: last_seen, sync_to_thread=False),
            "webhook_guard": Provide(lambda: webhook_guard, sync_to_thread=False),
            "webhook_secrets": Provide(lambda: box, sync_to_thread=False),
            "public_url": Provide(lambda: settings.public_url, sync_to_thread=False),
        },
        on_startup=[start_workers],
        on_shutdown=[stop_workers],
        scrape_hooks=[deliveries],
        state={
            "mail_sender": sender,
            "digest_clock": clock,
            "delivery": delivery,
            "webhook_sender": webhooks,
            "webhook_guard": webhook_guard,
        },
    )
