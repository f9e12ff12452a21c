"""The background work of notify: the mail sender draining the mail outbox, and the digest
clock. Both are tasks of the app's lifespan, and both may be killed at any point."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from peerlearn.mail import Mail, MailError
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters import mail_outbox
from peerlearn_notify.adapters.postman import Post, Postman, message_of
from peerlearn_notify.domain.timing import backoff
from peerlearn_notify.usecases.digests import send_due_digests
from peerlearn_notify.usecases.notifying import Delivery

log = logging.getLogger("peerlearn.notify.mail")
CLAIM = 20  # mails leased per claim


class MailSender:
    """Sends what the mail outbox holds; a refusal is retried with back-off, then given up."""

    def __init__(
        self,
        uow: UnitOfWork,
        postman: Postman,
        *,
        attempts: int,
        retry_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.uow = uow
        self.postman = postman
        self.attempts = attempts
        self.retry_seconds = retry_seconds
        self.clock = clock

    async def send_due(self) -> int:
        """Send every mail due now, batch after batch while the batches come full (a poll that
        took one batch and slept would cap the sender at one batch per poll, below what 5
        routed questions a second ask for); how many went out."""
        sent = 0
        while True:
            async with self.uow.writing() as tx:
                rows = await mail_outbox.claim_due(tx.session, self.clock(), limit=CLAIM)
            sent += await self._send(rows)
            if len(rows) < CLAIM:
                return sent

    async def _send(self, rows: Sequence[Any]) -> int:
        if not rows:
            return 0
        async with self.postman.batch() as post:
            return await self._send_over(post, rows)

    async def _send_over(self, post: Post, rows: Sequence[Any]) -> int:
        # What the server took is marked once per batch, not once per mail: a write transaction
        # per mail queued behind the event consumer's for every mail and held the sender below
        # the 25 mails/s five routed questions a second ask for. A crash mid-batch sends the
        # batch's mails that went out again (at most CLAIM, with the same Message-ID); a stop
        # that cancels the sender still marks them.
        sent: list[str] = []
        refused: list[tuple[str, int, str, datetime | None]] = []
        try:
            for row in rows:
                mail = Mail(to=row.to_address, subject=row.subject, text=row.text, html=row.html)
                message = message_of(
                    self.postman, mail, headers=dict(row.headers), message_id=f"<{row.id}@notify.peerlearn>"
                )
                try:
                    await post(message)
                except MailError as exc:
                    refused.append(self._refusal(row, exc))
                    continue
                sent.append(row.id)
        finally:
            await asyncio.shield(self._record(sent, refused))
        return len(sent)

    def _refusal(self, row: Any, exc: MailError) -> tuple[str, int, str, datetime | None]:
        tries = row.attempts + 1
        retry_at = None if tries >= self.attempts else self.clock() + backoff(tries, self.retry_seconds)
        log.warning("mail %s refused (attempt %d): %s", row.id, tries, exc)
        if retry_at is None:
            log.error("mail %s to person %s given up after %d attempts", row.id, row.person_id, tries)
        return row.id, tries, str(exc), retry_at

    async def _record(self, sent: list[str], refused: list[tuple[str, int, str, datetime | None]]) -> None:
        if not sent and not refused:
            return
        async with self.uow.writing() as tx:
            await mail_outbox.mark_sent(tx.session, sent)
            for mail_id, tries, error, retry_at in refused:
                await mail_outbox.mark_refused(tx.session, mail_id, tries, error, retry_at)


class DigestClock:
    """Schedules the digests due now, every poll."""

    def __init__(self, uow: UnitOfWork, delivery: Delivery, digest_hour: int) -> None:
        self.uow = uow
        self.delivery = delivery
        self.digest_hour = digest_hour

    async def tick(self, now: datetime | None = None) -> int:
        """Schedule every digest due at ``now``; how many."""
        return await send_due_digests(self.uow, self.delivery, now or datetime.now(UTC), self.digest_hour)
