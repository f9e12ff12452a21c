"""Reads and writes of the webhook tables: webhooks, the org's questions, the delivery outbox.

The outbox works as the mail outbox does (:mod:`peerlearn_notify.adapters.mail_outbox`): a
sender leases due rows by moving ``next_attempt_at`` past a lease, posts, records the attempt.
A sender killed before recording leaves the row to the next one when the lease ends (nothing
is lost; a kill in the instant between the receiver's answer and the record posts it again,
with the same ``X-Peerlearn-Delivery`` id, so the receiver can tell).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_notify.adapters.webhook_tables import (
    org_questions,
    webhook_attempts,
    webhook_deliveries,
    webhooks,
)

LEASE = timedelta(minutes=2)


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


# --- webhooks ---------------------------------------------------------------------------


async def add_webhook(session: AsyncSession, row: dict[str, Any]) -> None:
    """Store a new webhook."""
    await session.execute(sa.insert(webhooks).values(**row))


async def webhooks_of(session: AsyncSession, org_id: str) -> Sequence[Any]:
    """The org's webhooks, oldest first."""
    rows = await session.execute(
        sa.select(webhooks).where(webhooks.c.org_id == org_id).order_by(webhooks.c.id)
    )
    return rows.all()


async def webhook(session: AsyncSession, org_id: str, webhook_id: str) -> Any:
    """One webhook of the org, or None."""
    query = sa.select(webhooks).where(webhooks.c.org_id == org_id, webhooks.c.id == webhook_id)
    return (await session.execute(query)).first()


async def listening(session: AsyncSession, org_id: str, event: str) -> list[Any]:
    """The org's enabled webhooks that asked for ``event``."""
    rows = await session.execute(
        sa.select(webhooks).where(webhooks.c.org_id == org_id, webhooks.c.disabled_at.is_(None))
    )
    return [row for row in rows if event in (row.events or ())]


async def remove_webhook(session: AsyncSession, webhook_id: str) -> None:
    """Delete a webhook with its deliveries and their attempts."""
    await session.execute(sa.delete(webhook_attempts).where(webhook_attempts.c.webhook_id == webhook_id))
    await session.execute(sa.delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id))
    await session.execute(sa.delete(webhooks).where(webhooks.c.id == webhook_id))


# --- the org's questions ----------------------------------------------------------------


async def keep_question(session: AsyncSession, row: dict[str, Any]) -> None:
    """Remember (or update the title and tags of) a question of an org-wide space."""
    changes = {"title": row["title"], "tags": row["tags"], "org_id": row["org_id"]}
    statement = _insert(session)(org_questions).values(**row)
    await session.execute(statement.on_conflict_do_update(index_elements=["thread_id"], set_=changes))


async def question(session: AsyncSession, thread_id: str) -> Any:
    """The org question ``thread_id``, or None."""
    query = sa.select(org_questions).where(org_questions.c.thread_id == thread_id)
    return (await session.execute(query)).first()


async def forget_question(session: AsyncSession, thread_id: str) -> None:
    """The question was deleted, or left its org-wide space."""
    await session.execute(sa.delete(org_questions).where(org_questions.c.thread_id == thread_id))


async def mark_answered(session: AsyncSession, thread_id: str) -> None:
    """The question got an answer: no question_unanswered for it."""
    await session.execute(
        sa.update(org_questions).where(org_questions.c.thread_id == thread_id).values(answered=True)
    )


async def unanswered_due(session: AsyncSession, now: datetime, limit: int = 200) -> Sequence[Any]:
    """(webhook, question) pairs due a question_unanswered: enabled webhooks of the question's org
    that asked for it, the question asked after the webhook was made and at least its hours ago,
    still unanswered, and not told to that webhook yet."""
    told = sa.exists().where(
        webhook_deliveries.c.webhook_id == webhooks.c.id,
        webhook_deliveries.c.event_key == sa.literal("unanswered:") + org_questions.c.thread_id,
    )
    query = (
        sa.select(
            webhooks.c.id.label("webhook_id"),
            webhooks.c.format,
            webhooks.c.events,
            webhooks.c.unanswered_after_hours,
            org_questions,
        )
        .join(org_questions, org_questions.c.org_id == webhooks.c.org_id)
        .where(
            webhooks.c.disabled_at.is_(None),
            webhooks.c.unanswered_after_hours.is_not(None),
            org_questions.c.answered.is_(False),
            org_questions.c.created_at >= webhooks.c.created_at,
            ~told,
        )
        .order_by(org_questions.c.created_at)
    )
    rows = (await session.execute(query)).all()
    due = [
        row
        for row in rows
        if "question_unanswered" in (row.events or ())
        and _aware(row.created_at) + timedelta(hours=row.unanswered_after_hours) <= now
    ]
    return due[:limit]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- deliveries -------------------------------------------------------------------------


async def enqueue(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Add a delivery unless the webhook already has one for its event key; True if added."""
    statement = (
        _insert(session)(webhook_deliveries)
        .values(attempts=0, **row)
        .on_conflict_do_nothing(index_elements=["webhook_id", "event_key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_due(
    session: AsyncSession, now: datetime, limit: int = 20, busy: frozenset[str] = frozenset()
) -> Sequence[Any]:
    """Due deliveries of enabled webhooks (but the ``busy`` ones, still being posted to) with
    their webhook's url, format and secret, leased to this sender (others skip them until the
    lease ends)."""
    due = (
        sa.select(webhook_deliveries, webhooks.c.url, webhooks.c.format, webhooks.c.secret, webhooks.c.org_id)
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(
            webhook_deliveries.c.delivered_at.is_(None),
            webhook_deliveries.c.failed_at.is_(None),
            webhook_deliveries.c.next_attempt_at <= now,
            webhooks.c.disabled_at.is_(None),
        )
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(limit)
    )
    if busy:
        due = due.where(webhook_deliveries.c.webhook_id.not_in(sorted(busy)))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(of=webhook_deliveries, skip_locked=True)
    rows = (await session.execute(due)).all()
    if rows:
        await session.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.id.in_([r.id for r in rows]))
            .values(next_attempt_at=now + LEASE)
        )
    return rows


async def record_attempt(
    session: AsyncSession,
    delivery: Any,
    *,
    at: datetime,
    status_code: int | None,
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """Record one attempt: delivered (no error), retried at ``retry_at``, or given up."""
    attempt = delivery.attempts + 1
    await session.execute(
        sa.insert(webhook_attempts).values(
            delivery_id=delivery.id,
            attempt=attempt,
            webhook_id=delivery.webhook_id,
            at=at,
            status_code=status_code,
            error=error[:2000] if error else None,
        )
    )
    values: dict[str, Any] = {"attempts": attempt, "last_error": error[:2000] if error else None}
    if error is None:
        values["delivered_at"] = at
    elif retry_at is None:
        values["failed_at"] = at
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(
        sa.update(webhook_deliveries).where(webhook_deliveries.c.id == delivery.id).values(**values)
    )
    failures = 0 if error is None else webhooks.c.consecutive_failures + 1
    await session.execute(
        sa.update(webhooks).where(webhooks.c.id == delivery.webhook_id).values(consecutive_failures=failures)
    )


async def failures_in_a_row(session: AsyncSession, webhook_id: str) -> int:
    """The webhook's failed attempts since its last success."""
    count = await session.scalar(
        sa.select(webhooks.c.consecutive_failures).where(webhooks.c.id == webhook_id)
    )
    return int(count or 0)


async def disable(session: AsyncSession, webhook_id: str, at: datetime, reason: str) -> bool:
    """Disable the webhook and give up its waiting deliveries; False when it already was."""
    result = await session.execute(
        sa.update(webhooks)
        .where(webhooks.c.id == webhook_id, webhooks.c.disabled_at.is_(None))
        .values(disabled_at=at, disabled_reason=reason[:2000])
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await session.execute(
        sa.update(webhook_deliveries)
        .where(
            webhook_deliveries.c.webhook_id == webhook_id,
            webhook_deliveries.c.delivered_at.is_(None),
            webhook_deliveries.c.failed_at.is_(None),
        )
        .values(failed_at=at, last_error="the webhook was disabled")
    )
    return True


async def deliveries_page(
    session: AsyncSession, webhook_id: str, before: str | None, limit: int
) -> tuple[Sequence[Any], dict[str, list[Any]]]:
    """Up to ``limit`` deliveries, newest first, older than the cursor id ``before``, and the
    attempts of each (oldest first)."""
    query = sa.select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
    if before:
        query = query.where(webhook_deliveries.c.id < before)
    rows = (await session.execute(query.order_by(webhook_deliveries.c.id.desc()).limit(limit))).all()
    attempts: dict[str, list[Any]] = {row.id: [] for row in rows}
    if rows:
        found = await session.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(list(attempts)))
            .order_by(webhook_attempts.c.delivery_id, webhook_attempts.c.attempt)
        )
        for attempt in found:
            attempts[attempt.delivery_id].append(attempt)
    return rows, attempts
