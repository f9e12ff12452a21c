"""Daily and weekly digests: at the person's local digest hour, what waited for them, in one
mail; skipped when nothing waited; never twice for one period (the sent-digest row is written
in the transaction that schedules the mail and marks the items digested)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_notify.adapters import mail_outbox
from peerlearn_notify.adapters.people import addresses_of, preferences_of_many
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


async def send_digests_of(
    tx: Transaction, delivery: Delivery, person_ids: list[str], now: datetime, digest_hour: int
) -> int:
    """Schedule in ``tx`` the digests of ``person_ids`` due now; how many. One query each for
    their settings, addresses, digests already sent and waiting items, then one statement each
    for the mails, the sent-digest rows and the items' mark, whatever the number of people."""
    session = tx.session
    prefs = await preferences_of_many(session, person_ids)
    addresses = await addresses_of(session, person_ids)  # the others wait for profiles' address
    due = {
        (person_id, mode): period
        for person_id in person_ids
        if person_id in addresses
        for mode in WAITING
        if (period := digest_period(prefs[person_id], mode, now, digest_hour)) is not None
    }
    if not due:
        return 0
    people = sorted({person_id for person_id, _ in due})
    sent = {
        (row.person_id, row.period)
        for row in await session.execute(
            sa.select(sent_digests.c.person_id, sent_digests.c.period).where(
                sent_digests.c.person_id.in_(people), sent_digests.c.period.in_(sorted(set(due.values())))
            )
        )
    }
    waiting: dict[tuple[str, str], list[Any]] = defaultdict(list)
    rows = await session.execute(
        sa.select(notifications)
        .where(notifications.c.person_id.in_(people), notifications.c.mail.in_(WAITING))
        .order_by(notifications.c.id.desc())
    )
    for row in rows:
        waiting[(row.person_id, row.mail)].append(row)
    mails_out: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    digested: list[str] = []
    for (person_id, mode), period in sorted(due.items()):
        items = waiting.get((person_id, mode))
        if not items or (person_id, period) in sent:
            continue  # nothing waited, or this period's digest went out already
        body = mails.digest(
            period,
            [mails.Item(kind=r.kind, title=r.title, link=r.link) for r in items],
            delivery.settings_url(),
            delivery.unsubscribe_link(person_id, "all"),
        )
        mail = mail_outbox.new_row(
            person_id=person_id,
            purpose=mode,
            to=addresses[person_id],
            subject=body.subject,
            text=body.text,
            html=body.html,
            headers=list_headers(delivery, person_id, "all"),
            now=datetime.now(UTC),  # due at once, whatever moment ``now`` decided for
        )
        mails_out.append(mail)
        records.append({"person_id": person_id, "period": period, "mail_id": mail["id"], "sent_at": now})
        digested += [r.id for r in items]
    await mail_outbox.enqueue_many(session, mails_out)
    if records:
        await session.execute(sa.insert(sent_digests), records)
        for chunk in range(0, len(digested), 1000):  # by ids read: one arriving meanwhile waits
            ids = digested[chunk : chunk + 1000]
            await session.execute(
                sa.update(notifications).where(notifications.c.id.in_(ids)).values(mail="digested")
            )
    return len(records)


async def send_due_digests(uow: UnitOfWork, delivery: Delivery, now: datetime, digest_hour: int) -> int:
    """Every digest due now, 100 people per transaction (each digest's mail, its sent-digest row
    and its items' mark commit together); how many were scheduled."""
    count = 0
    waiting = await people_waiting(uow)
    for start in range(0, len(waiting), BATCH):
        async with uow.writing() as tx:
            count += await send_digests_of(tx, delivery, waiting[start : start + BATCH], now, digest_hour)
    return count
