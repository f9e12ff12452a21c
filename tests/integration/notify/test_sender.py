"""The mail outbox under faults: a sender killed mid-send neither loses nor repeats a mail; a
refused mail is retried with back-off, then given up and recorded as failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from peerlearn.runner import free_port
from peerlearn.store import Database
from peerlearn.testing.smtp import SmtpServer
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters import mail_outbox
from peerlearn_notify.adapters.postman import Post, SmtpPostman
from peerlearn_notify.adapters.workers import MailSender
from peerlearn_notify.app import MIGRATIONS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Hanging(SmtpPostman):
    """Connects nowhere and never finishes: the sender is killed while it waits."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.started = asyncio.Event()

    async def post(self, message: EmailMessage) -> None:
        self.started.set()
        await asyncio.Event().wait()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Post]:
        yield self.post


async def _queue(uow: UnitOfWork, count: int) -> list[str]:
    addresses = [f"fault{n}@example.org" for n in range(count)]
    rows = [
        mail_outbox.new_row(
            person_id=f"p-{n}",
            purpose="immediate",
            to=address,
            subject=f"Mail {n}",
            text="text",
            html="<p>html</p>",
            headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            now=NOW,
        )
        for n, address in enumerate(addresses)
    ]
    async with uow.writing() as tx:
        await mail_outbox.enqueue_many(tx.session, rows)
    return addresses


async def test_a_sender_killed_mid_send_loses_and_repeats_nothing(
    database: Database, smtp_server: SmtpServer
) -> None:
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    addresses = await _queue(uow, 3)
    hanging = Hanging(smtp_server.url)
    doomed = MailSender(uow, hanging, attempts=5, retry_seconds=1, clock=lambda: NOW)
    killed = asyncio.create_task(doomed.send_due())
    await asyncio.wait_for(hanging.started.wait(), 10)
    killed.cancel()  # the kill: mid-send, the server has not got the mail
    with pytest.raises(asyncio.CancelledError):
        await killed
    assert smtp_server.received == []

    # A sender started at the same moment leaves the leased mails alone...
    assert (
        await MailSender(
            uow, SmtpPostman(smtp_server.url), attempts=5, retry_seconds=1, clock=lambda: NOW
        ).send_due()
        == 0
    )
    # ...and after the lease the next sender sends each once; later rounds send nothing more.
    later = NOW + mail_outbox.LEASE + timedelta(seconds=1)
    restarted = MailSender(
        uow, SmtpPostman(smtp_server.url), attempts=5, retry_seconds=1, clock=lambda: later
    )
    assert await restarted.send_due() == 3
    assert await restarted.send_due() == 0
    for address in addresses:
        (mail,) = smtp_server.to(address)
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail.message["Message-ID"].endswith("@notify.peerlearn>")
    assert len(smtp_server.received) == 3


class HangsOnThird(SmtpPostman):
    """Sends two mails, then never finishes the third: the sender is stopped mid-batch."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.started_third = asyncio.Event()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Post]:
        async with super().batch() as post:
            posted = 0

            async def hanging_post(message: EmailMessage) -> None:
                nonlocal posted
                posted += 1
                if posted == 3:
                    self.started_third.set()
                    await asyncio.Event().wait()
                await post(message)

            yield hanging_post


async def test_a_sender_stopped_mid_batch_keeps_what_went_out(
    database: Database, smtp_server: SmtpServer
) -> None:
    # Mails are marked sent once per batch; a stop (cancel) in the middle still marks the two
    # the server took, so the next sender sends only the third.
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    await _queue(uow, 3)
    postman = HangsOnThird(smtp_server.url)
    stopped = asyncio.create_task(
        MailSender(uow, postman, attempts=5, retry_seconds=1, clock=lambda: NOW).send_due()
    )
    await asyncio.wait_for(postman.started_third.wait(), 10)
    stopped.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopped
    assert len(smtp_server.received) == 2
    later = NOW + mail_outbox.LEASE + timedelta(seconds=1)
    restarted = MailSender(
        uow, SmtpPostman(smtp_server.url), attempts=5, retry_seconds=1, clock=lambda: later
    )
    assert await restarted.send_due() == 1
    assert sorted(a for r in smtp_server.received for a in r.recipients) == sorted(
        f"fault{n}@example.org" for n in range(3)
    )


async def test_a_refused_mail_is_retried_with_back_off_then_given_up_visibly(database: Database) -> None:
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    await _queue(uow, 1)
    clock = [NOW]
    nowhere = SmtpPostman(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    sender = MailSender(uow, nowhere, attempts=3, retry_seconds=10, clock=lambda: clock[0])

    async def row() -> object:
        async with uow.reading() as tx:
            (only,) = await mail_outbox.mails_of(tx.session, "p-0")
            return only

    assert await sender.send_due() == 0
    first = await row()
    assert first.attempts == 1 and first.failed_at is None and "could not send" in first.last_error  # type: ignore[attr-defined]
    await sender.send_due()  # not due again yet (back-off)
    assert (await row()).attempts == 1  # type: ignore[attr-defined]
    clock[0] = NOW + timedelta(seconds=10)
    await sender.send_due()
    assert (await row()).attempts == 2  # type: ignore[attr-defined]
    clock[0] = NOW + timedelta(seconds=10 + 19)
    await sender.send_due()
    assert (await row()).attempts == 2  # type: ignore[attr-defined]  # the wait doubled to 20 s
    clock[0] = NOW + timedelta(seconds=10 + 20)
    await sender.send_due()
    given_up = await row()
    assert given_up.attempts == 3 and given_up.failed_at is not None and given_up.sent_at is None  # type: ignore[attr-defined]
    clock[0] = NOW + timedelta(days=2)
    await sender.send_due()
    assert (await row()).attempts == 3  # type: ignore[attr-defined]


async def test_one_poll_sends_every_mail_due_not_one_batch(
    database: Database, smtp_server: SmtpServer
) -> None:
    # 5 routed questions a second to 5 answerers each are 25 mails a second: a sender that
    # took one batch of 20 per poll (1 s) fell behind without end.
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    addresses = await _queue(uow, 45)
    sender = MailSender(uow, SmtpPostman(smtp_server.url), attempts=5, retry_seconds=1, clock=lambda: NOW)
    assert await sender.send_due() == 45
    assert sorted(to for m in smtp_server.received for to in m.recipients) == sorted(addresses)


async def test_a_batch_of_mails_goes_over_one_connection(database: Database, smtp_server: SmtpServer) -> None:
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    addresses = await _queue(uow, 5)
    sender = MailSender(uow, SmtpPostman(smtp_server.url), attempts=5, retry_seconds=1, clock=lambda: NOW)
    assert await sender.send_due() == 5
    assert sorted(a for r in smtp_server.received for a in r.recipients) == sorted(addresses)
    assert len({r.peer for r in smtp_server.received}) == 1  # one connection, not one per mail


async def test_a_refused_mail_does_not_stop_the_rest_of_its_batch(
    database: Database, smtp_server: SmtpServer
) -> None:
    await database.migrate(MIGRATIONS)
    uow = UnitOfWork(database)
    addresses = await _queue(uow, 3)
    async with uow.writing() as tx:  # the middle one has an address the server refuses
        await tx.session.execute(
            mail_outbox.mail_outbox.update()
            .where(mail_outbox.mail_outbox.c.to_address == addresses[1])
            .values(to_address="nobody@refused.invalid")
        )
    sender = MailSender(uow, SmtpPostman(smtp_server.url), attempts=5, retry_seconds=1, clock=lambda: NOW)
    assert await sender.send_due() == 2
    assert sorted(a for r in smtp_server.received for a in r.recipients) == sorted(
        [addresses[0], addresses[2]]
    )
