"""Killed mid-digest, restarted: every waiting person gets exactly one digest mail."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from peerlearn.store import Database
from peerlearn.testing.smtp import SmtpServer
from peerlearn.testing.waiting import eventually
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.postman import SmtpPostman
from peerlearn_notify.adapters.tables import contacts, notifications, sent_digests
from peerlearn_notify.adapters.workers import DigestClock, MailSender
from peerlearn_notify.app import MIGRATIONS
from peerlearn_notify.usecases.digests import BATCH
from peerlearn_notify.usecases.notifying import Delivery

MORNING = datetime(2026, 12, 2, 8, 10, tzinfo=UTC)
PEOPLE = BATCH * 8  # enough batches that the kill lands between two of them

# The first digest run is a process of its own, killed with SIGKILL: a cancelled task is not a
# kill (a cancelled aiosqlite call can leave its connection holding SQLite's write lock, which
# a dead process never does).
DIGEST_RUN = """
import asyncio, sys
from datetime import datetime
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.workers import DigestClock
from peerlearn_notify.usecases.notifying import Delivery

async def run(url, schema, now):
    database = Database(url, schema=schema or None)
    delivery = Delivery(public_url="http://web", unsubscribe_url="http://notify/v1/unsubscribe",
                        secret="s" * 32, immediate_mails_per_day=10)
    await DigestClock(UnitOfWork(database), delivery, digest_hour=8).tick(datetime.fromisoformat(now))

asyncio.run(run(*sys.argv[1:]))
"""


async def test_killed_mid_digest_every_person_gets_one_digest(
    database: Database, smtp_server: SmtpServer
) -> None:
    await database.migrate(MIGRATIONS)
    async with database.transaction() as session:
        await session.execute(
            sa.insert(contacts),
            [
                {"person_id": f"p{i}", "org_id": "o", "email": f"p{i}@example.org", "version_at": MORNING}
                for i in range(PEOPLE)
            ],
        )
        await session.execute(
            sa.insert(notifications),
            [
                {
                    "id": f"{i:012d}{k:04d}{'0' * 12}",
                    "person_id": f"p{i}",
                    "kind": "thread_activity",
                    "title": f"Item {k} for {i}",
                    "link": "http://web/threads/t",
                    "dedupe_key": f"k{k}",
                    "created_at": MORNING - timedelta(hours=10),
                    "mail": "daily",
                }
                for i in range(PEOPLE)
                for k in range(2)
            ],
        )
    delivery = Delivery(
        public_url="http://web",
        unsubscribe_url="http://notify/v1/unsubscribe",
        secret="s" * 32,
        immediate_mails_per_day=10,
    )

    async def some_scheduled() -> bool:
        async with database.reading() as session:
            return bool(await session.scalar(sa.select(sa.func.count()).select_from(sent_digests)))

    first = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DIGEST_RUN, database.url, database.schema or "", MORNING.isoformat()
    )
    try:
        await eventually(some_scheduled, interval=0.01)
    finally:
        if first.returncode is None:
            first.send_signal(signal.SIGKILL)  # the kill, with part of the people done
        await first.wait()
    async with database.reading() as session:
        done = await session.scalar(sa.select(sa.func.count()).select_from(sent_digests))
    assert 0 < done < PEOPLE, "the kill was meant to land mid-digest"

    # Restarted (this process plays the new one): the same morning, then five minutes on.
    uow = UnitOfWork(database)
    clock = DigestClock(uow, delivery, digest_hour=8)
    await clock.tick(MORNING + timedelta(minutes=5))
    await clock.tick(MORNING + timedelta(minutes=10))
    sender = MailSender(uow, SmtpPostman(smtp_server.url), attempts=3, retry_seconds=1)
    while await sender.send_due():
        pass
    assert len(smtp_server.received) == PEOPLE
    for i in range(PEOPLE):
        (mail,) = smtp_server.to(f"p{i}@example.org")
        assert "2 new" in mail.message["Subject"]
