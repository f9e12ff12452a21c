"""Telling an org's webhooks: a delivery row per listening webhook (in the transaction that
processed the event), the sender's attempts with back-off, disabling a webhook that keeps
failing (its org's admins are told in their inbox), and the unanswered-question check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

import sqlalchemy as sa

from peerlearn.directory.caller import Where
from peerlearn.events import new_id
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_notify.adapters import webhook_store
from peerlearn_notify.adapters.tables import DIRECTORY, directory
from peerlearn_notify.adapters.webhook_secrets import SecretBox, UnreadableSecret
from peerlearn_notify.domain.timing import backoff
from peerlearn_notify.domain.webhooks import Happening, body_for, signature
from peerlearn_notify.usecases.notifying import Delivery, notify

log = logging.getLogger("peerlearn.notify.webhooks")


class Outcome(Protocol):
    """What the receiver answered: a status code (None without one), an error (None: delivered)."""

    @property
    def status_code(self) -> int | None: ...

    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class Unsent:
    """An attempt that never reached the receiver."""

    error: str
    status_code: int | None = None


class Poster(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        """Post ``body``; what the receiver answered."""
        ...


async def tell_webhooks(tx: Transaction, what: Happening, event_key: str, now: datetime) -> int:
    """A delivery of ``what`` for each enabled webhook of its org that asked for it (once per
    webhook and ``event_key``; not for webhooks made after it happened); how many were added."""
    added = 0
    for hook in await webhook_store.listening(tx.session, what.org_id, what.event):
        if _aware(hook.created_at) > what.occurred_at:
            continue
        delivery_id = new_id()
        added += await webhook_store.enqueue(
            tx.session,
            {
                "id": delivery_id,
                "webhook_id": hook.id,
                "event": what.event,
                "event_key": event_key,
                "body": body_for(hook.format, delivery_id, what),
                "created_at": now,
                "next_attempt_at": now,
            },
        )
    return added


def _by_webhook(rows: Sequence[Any]) -> list[list[Any]]:
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.webhook_id, []).append(row)
    return list(groups.values())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass
class WebhookSender:
    """Posts due deliveries; a failure is retried with back-off until ``attempts``; after
    ``failures_to_disable`` failed attempts in a row the webhook is disabled."""

    uow: UnitOfWork
    poster: Poster
    delivery: Delivery
    attempts: int
    retry_seconds: float
    failures_to_disable: int
    # Opens the sealed secrets of json webhooks (None: stored as they are, for tests of slack ones).
    box: SecretBox | None = None
    _busy: set[str] = field(default_factory=set, init=False)
    _running: set[asyncio.Task[int]] = field(default_factory=set, init=False)

    async def send_due(self, now: datetime | None = None) -> int:
        """Attempt every delivery due now and wait for them; how many were delivered."""
        async with self.uow.writing() as tx:
            rows = await webhook_store.claim_due(tx.session, now or datetime.now(UTC))
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._send_in_order(batch)) for batch in _by_webhook(rows)]
        return sum(task.result() for task in tasks)

    async def dispatch_due(self) -> int:
        """The worker's step: start posting what is due now without waiting, each webhook's
        deliveries in order, the webhooks side by side, so that one slow or failing receiver
        holds up no other (a webhook still being posted to is left for a later step); how many
        deliveries were started."""
        async with self.uow.writing() as tx:
            rows = await webhook_store.claim_due(tx.session, datetime.now(UTC), busy=frozenset(self._busy))
        for batch in _by_webhook(rows):
            webhook_id = batch[0].webhook_id
            self._busy.add(webhook_id)
            task = asyncio.create_task(self._send_in_order(batch), name=f"webhook-{webhook_id}")
            self._running.add(task)
            task.add_done_callback(partial(self._finished, webhook_id))
        return len(rows)

    def _finished(self, webhook_id: str, task: asyncio.Task[int]) -> None:
        self._busy.discard(webhook_id)
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("posting to webhook %s failed", webhook_id, exc_info=task.exception())

    async def stop(self) -> None:
        """Cancel the posts in flight (their leased rows are posted again after the lease)."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    async def _send_in_order(self, rows: list[Any]) -> int:
        delivered = 0
        for row in rows:
            if await self._attempt(row):
                delivered += 1
            elif not await self._enabled(row.webhook_id):
                break  # disabled just now: the rest of its deliveries were given up
        return delivered

    async def _enabled(self, webhook_id: str) -> bool:
        async with self.uow.reading() as tx:
            return await webhook_store.failures_in_a_row(tx.session, webhook_id) < self.failures_to_disable

    async def _attempt(self, row: Any) -> int:
        timestamp = str(int(datetime.now(UTC).timestamp()))
        body = row.body.encode()
        headers = {
            "User-Agent": "peerlearn-webhooks/1",
            "X-Peerlearn-Delivery": row.id,
            "X-Peerlearn-Timestamp": timestamp,
            "X-Peerlearn-Event": row.event,
        }
        outcome: Outcome | None = None
        if row.format == "json" and row.secret:
            try:
                secret = self.box.open(row.webhook_id, row.secret) if self.box else row.secret
                headers["X-Peerlearn-Signature"] = signature(secret, timestamp, body)
            except UnreadableSecret as exc:  # never post unsigned: a failed attempt, visibly
                outcome = Unsent(error=str(exc))
        if outcome is None:
            outcome = await self.poster.post(row.url, body, headers)
        at = datetime.now(UTC)
        tries = row.attempts + 1
        retry_at = None
        if outcome.error is not None:
            log.warning("webhook delivery %s failed (attempt %d): %s", row.id, tries, outcome.error)
            if tries < self.attempts:
                retry_at = at + backoff(tries, self.retry_seconds)
        async with self.uow.writing() as tx:
            await webhook_store.record_attempt(
                tx.session,
                row,
                at=at,
                status_code=outcome.status_code,
                error=outcome.error,
                retry_at=retry_at,
            )
            if outcome.error is None:
                return 1
            failures = await webhook_store.failures_in_a_row(tx.session, row.webhook_id)
            if failures >= self.failures_to_disable:
                reason = f"{failures} failed attempts in a row; the last: {outcome.error}"
                if await webhook_store.disable(tx.session, row.webhook_id, at, reason):
                    log.error("webhook %s of org %s disabled: %s", row.webhook_id, row.org_id, reason)
                    await _tell_admins(tx, self.delivery, row, reason, at)
        return 0


async def _tell_admins(tx: Transaction, delivery: Delivery, row: Any, reason: str, at: datetime) -> None:
    """Each org admin of the webhook's org gets ``webhook_disabled`` (in the same transaction)."""
    people = directory.people
    found = await tx.session.execute(
        sa.select(people.c.id, people.c.roles).where(
            people.c.org_id == row.org_id, people.c.erased.is_(False)
        )
    )
    host = row.url.split("://", 1)[-1].split("/", 1)[0]
    for person in found:
        if "org_admin" not in (person.roles or ()):
            continue
        await notify(
            tx,
            delivery,
            person_ids=[person.id],
            kind="webhook_disabled",
            title=f"A webhook of your organisation ({host}) was disabled: {reason}"[:400],
            link=f"{delivery.public_url.rstrip('/')}/admin/webhooks",  # where it is enabled again
            dedupe_key=f"webhook_disabled:{row.webhook_id}",
            where=Where("org", org_id=row.org_id),
            now=at,
        )


async def check_unanswered(uow: UnitOfWork, delivery: Delivery, now: datetime | None = None) -> int:
    """A question_unanswered delivery for every (webhook, question) due one; how many."""
    now = now or datetime.now(UTC)
    count = 0
    async with uow.writing() as tx:
        due = await webhook_store.unanswered_due(tx.session, now)
        names = await DIRECTORY.display_names(tx.session, {row.author_id for row in due})
        for row in due:
            what = Happening(
                event="question_unanswered",
                org_id=row.org_id,
                thread_id=row.thread_id,
                title=row.title,
                link=thread_link(delivery, row.thread_id),
                occurred_at=_aware(row.created_at) + timedelta(hours=row.unanswered_after_hours),
                person_name=names.get(row.author_id or ""),
                tags=tuple(row.tags or ()),
                hours=row.unanswered_after_hours,
            )
            delivery_id = new_id()
            count += await webhook_store.enqueue(
                tx.session,
                {
                    "id": delivery_id,
                    "webhook_id": row.webhook_id,
                    "event": "question_unanswered",
                    "event_key": f"unanswered:{row.thread_id}",
                    "body": body_for(row.format, delivery_id, what),
                    # Due at once, whatever moment ``now`` decided for.
                    "created_at": datetime.now(UTC),
                    "next_attempt_at": datetime.now(UTC),
                },
            )
    return count


def thread_link(delivery: Delivery, thread_id: str) -> str:
    """The web app's page of a thread."""
    return f"{delivery.public_url.rstrip('/')}/threads/{thread_id}"
