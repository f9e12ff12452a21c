"""Daily and weekly digests: at the person's local digest hour, what waited for them, in one
mail; skipped when nothing waited; never twice for one period (the sent-digest row is written
in the transaction that schedules the mail and marks the items digested)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_notify.adapters import mail_outbox
from peerlearn_notify.adapters.people import address_of, preferences_of
from peerlearn_notify.adapters.tables import notifications, sent_digests
from peerlearn_notify.domain import mails
from peerlearn_notify.domain.timing import digest_period
from peerlearn_notify.usecases.notifying import Delivery, list_headers

WAITING = ("daily", "weekly")
BATCH = 100


async def people_waiting(uow: UnitOfWork) -> list[str]:
    """People with notifications waiting for a digest."""
    async with uow.reading() as tx:
        rows = await tx.session.scalars(
            sa.select(notifications.c.person_id).where(notifications.c.mail.in_(WAITING)).distinct()
        )
        return sorted(rows)


async def send_digest_of(
    tx: Transaction, delivery: Delivery, person_id: str, now: datetime, digest_hour: int
) -> list[str]:
    """Schedule the person's digests due now in ``tx``; the periods scheduled (none when none was due)."""
    scheduled: list[str] = []
    prefs = await preferences_of(tx.session, person_id)
    address = await address_of(tx.session, person_id)
    if not address:
        return []  # they wait until profiles tells us an address
    for mode in WAITING:
        period = digest_period(prefs, mode, now, digest_hour)
        if period is None:
            continue
        done = await tx.session.scalar(
            sa.select(sent_digests.c.mail_id).where(
                sent_digests.c.person_id == person_id, sent_digests.c.period == period
            )
        )
        if done is not None:
            continue
        rows = (
            await tx.session.execute(
                sa.select(notifications)
                .where(notifications.c.person_id == person_id, notifications.c.mail == mode)
                .order_by(notifications.c.id.desc())
            )
        ).all()
        if not rows:
            continue
        items = [mails.Item(kind=r.kind, title=r.title, link=r.link) for r in rows]
        body = mails.digest(
            period, items, delivery.settings_url(), delivery.unsubscribe_link(person_id, "all")
        )
        mail_id = await mail_outbox.enqueue(
            tx.session,
            person_id=person_id,
            purpose=mode,
            to=address,
            subject=body.subject,
            text=body.text,
            html=body.html,
            headers=list_headers(delivery, person_id, "all"),
            now=datetime.now(UTC),  # due at once, whatever moment ``now`` decided for
        )
        await tx.session.execute(
            sa.insert(sent_digests).values(person_id=person_id, period=period, mail_id=mail_id, sent_at=now)
        )
        await tx.session.execute(
            sa.update(notifications)
            .where(notifications.c.id.in_([r.id for r in rows]))
            .values(mail="digested")
        )
        scheduled.append(period)
    return scheduled


async def send_due_digests(uow: UnitOfWork, delivery: Delivery, now: datetime, digest_hour: int) -> int:
    """Every digest due now, 100 people per transaction (each digest's mail, its sent-digest row
    and its items' mark commit together); how many were scheduled."""
    count = 0
    waiting = await people_waiting(uow)
    for start in range(0, len(waiting), BATCH):
        async with uow.writing() as tx:
            for person_id in waiting[start : start + BATCH]:
                count += len(await send_digest_of(tx, delivery, person_id, now, digest_hour))
    return count
