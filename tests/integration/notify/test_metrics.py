"""Notify's metrics: what waits to be mailed, what was given up on, and how long the oldest mail
has waited — read from the outbox, as a scrape of /metrics does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from prometheus_client import REGISTRY

from peerlearn.runner import free_port
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters import mail_outbox
from peerlearn_notify.adapters.metrics import deliveries
from peerlearn_notify.adapters.postman import SmtpPostman
from peerlearn_notify.adapters.workers import MailSender
from peerlearn_notify.app import MIGRATIONS


async def _queue(uow: UnitOfWork, person: str, created: datetime) -> None:
    async with uow.writing() as tx:
        await mail_outbox.enqueue_many(
            tx.session,
            [
                mail_outbox.new_row(
                    person_id=person,
                    purpose="immediate",
                    to=f"{person}@example.org",
                    subject="A question for you",
                    text="text",
                    html="<p>html</p>",
                    headers={},
                    now=created,
                )
            ],
        )


def gauge(name: str, channel: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"channel": channel})


async def test_the_mail_queue_its_failures_and_the_oldest_wait(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    app = SimpleNamespace(state=SimpleNamespace(database=database))
    now = datetime.now(UTC)
    for n in range(3):
        await _queue(uow, f"refused-{n}", now - timedelta(minutes=5))
    nowhere = SmtpPostman(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    assert (
        await MailSender(uow, nowhere, attempts=1, retry_seconds=10, clock=lambda: now).send_due() == 0
    )  # all given up
    await _queue(uow, "waiting", now - timedelta(minutes=30))
    await deliveries(app)  # type: ignore[arg-type]
    assert gauge("peerlearn_notify_waiting", "mail") == 1
    assert gauge("peerlearn_notify_failed", "mail") == 3
    oldest = gauge("peerlearn_notify_oldest_waiting_seconds", "mail")
    assert oldest is not None and 30 * 60 <= oldest < 40 * 60
    assert gauge("peerlearn_notify_waiting", "webhook") == 0
    assert gauge("peerlearn_notify_oldest_waiting_seconds", "webhook") == 0
