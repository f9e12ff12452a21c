"""The mail outbox: mails are rows first (in the transaction that decided them), then sent.

A sender claims a due row by moving its ``next_attempt_at`` past a lease, sends, and marks it
sent; a crash before the mark leaves the row to be claimed again when the lease ends, so
nothing is lost (a crash in the instant between the server's acceptance and the mark may
repeat it; the fixed Message-ID lets the receiving side see it is the same mail).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.events import new_id
from peerlearn_notify.adapters.tables import mail_outbox

LEASE = timedelta(minutes=2)


def new_row(
    *,
    person_id: str,
    purpose: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    headers: dict[str, str],
    now: datetime,
    send_at: datetime | None = None,
) -> dict[str, Any]:
    """A mail to send (at ``send_at``, else at once) as a row for :func:`enqueue_many`."""
    return {
        "id": new_id(),
        "person_id": person_id,
        "purpose": purpose,
        "to_address": to,
        "subject": subject,
        "text": text,
        "html": html,
        "headers": headers,
        "created_at": now,
        "attempts": 0,
        "next_attempt_at": send_at or now,
    }


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add the mails of :func:`new_row` in one statement."""
    if rows:
        await session.execute(sa.insert(mail_outbox), rows)


async def claim_due(session: AsyncSession, now: datetime, limit: int = 20) -> Sequence[Any]:
    """Rows due now, leased to this sender (others skip them until the lease ends)."""
    due = (
        sa.select(mail_outbox)
        .where(
            mail_outbox.c.sent_at.is_(None),
            mail_outbox.c.failed_at.is_(None),
            mail_outbox.c.next_attempt_at <= now,
        )
        .order_by(mail_outbox.c.next_attempt_at)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = (await session.execute(due)).all()
    if rows:
        await session.execute(
            sa.update(mail_outbox)
            .where(mail_outbox.c.id.in_([r.id for r in rows]))
            .values(next_attempt_at=now + LEASE)
        )
    return rows


async def mark_sent(session: AsyncSession, mail_ids: Sequence[str]) -> None:
    """The server took these mails."""
    if mail_ids:
        await session.execute(
            sa.update(mail_outbox)
            .where(mail_outbox.c.id.in_(list(mail_ids)))
            .values(sent_at=datetime.now(UTC))
        )


async def mark_refused(
    session: AsyncSession, mail_id: str, attempts: int, error: str, retry_at: datetime | None
) -> None:
    """Record a refusal: retried at ``retry_at``, or given up (``failed_at``) when None."""
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:2000]}
    if retry_at is None:
        values["failed_at"] = datetime.now(UTC)
    else:
        values["next_attempt_at"] = retry_at
    await session.execute(sa.update(mail_outbox).where(mail_outbox.c.id == mail_id).values(**values))


async def mails_of(session: AsyncSession, person_id: str) -> Sequence[Any]:
    """Every mail of a person, oldest first (tests and operators look at them)."""
    rows = await session.execute(
        sa.select(mail_outbox).where(mail_outbox.c.person_id == person_id).order_by(mail_outbox.c.id)
    )
    return rows.all()
