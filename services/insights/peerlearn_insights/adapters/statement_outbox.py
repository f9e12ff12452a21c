"""The statement outbox: one row per learning act that becomes an xAPI statement, written in the
transaction that records the act, then claimed by the sender per destination LRS and marked
sent (or failed, with the LRS's answer) after it answered.

A row points at its act; what the statement says (the person's org, the thread's title) is read
when it is sent, so a person's statements follow the person's org and a title only goes where
that org may see the thread (:mod:`peerlearn_insights.domain.delivery`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.store import UTCDateTime
from peerlearn_insights.adapters.tables import acts, directory, metadata, org_lrs, threads
from peerlearn_insights.domain.acts import Act
from peerlearn_insights.domain.xapi import VERB_IRIS, statement_id

PENDING, SENT, FAILED = "pending", "sent", "failed"

statement_outbox = sa.Table(
    "statement_outbox",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("statement_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_id", sa.String(40), nullable=False),
    sa.Column("person_id", sa.String(64), nullable=False, index=True),
    sa.Column("verb", sa.String(20), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    # When the row may be claimed: now (new), after a lease (claimed), after a back-off.
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_attempt_at", UTCDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
)
sa.Index("ix_statement_outbox_due", statement_outbox.c.status, statement_outbox.c.next_attempt_at)
_box = statement_outbox


async def queue(session: AsyncSession, act: Act, now: datetime) -> None:
    """Queue the statement of a newly recorded act (acts xAPI does not carry are not queued)."""
    if act.verb not in VERB_IRIS:
        return
    await session.execute(
        sa.insert(_box).values(
            statement_id=statement_id(f"{act.event_id}:{act.verb}"),
            event_id=act.event_id,
            person_id=act.person_id,
            verb=act.verb,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
        )
    )


async def forget_person(session: AsyncSession, person_id: str) -> None:
    """An erased person's statements are not sent (nor kept as sent)."""
    await session.execute(sa.delete(_box).where(_box.c.person_id == person_id))


async def claim(
    session: AsyncSession, org_ids: Sequence[str] | None, now: datetime, limit: int, lease: timedelta
) -> list[Any]:
    """Due pending rows of people of ``org_ids`` (None: of every org without its own LRS),
    oldest first, with their act, the person's org and the thread; leased until ``now + lease``."""
    people = directory.people
    query = (
        sa.select(
            _box.c.seq,
            _box.c.statement_id,
            _box.c.event_id,
            _box.c.verb,
            _box.c.person_id,
            people.c.org_id,
            acts.c.at,
            acts.c.thread_id,
            acts.c.cohort_id,
            threads.c.title,
            threads.c.tags,
            threads.c.visibility,
            threads.c.org_id.label("thread_org_id"),
            threads.c.cohort_id.label("thread_cohort_id"),
        )
        .select_from(
            _box.join(
                acts,
                sa.and_(
                    acts.c.event_id == _box.c.event_id,
                    acts.c.person_id == _box.c.person_id,
                    acts.c.verb == _box.c.verb,
                ),
            )
            .join(people, people.c.id == _box.c.person_id)
            .outerjoin(threads, threads.c.id == acts.c.thread_id)
        )
        .where(_box.c.status == PENDING, _box.c.next_attempt_at <= now, people.c.erased.is_(False))
        .order_by(_box.c.seq)
        .limit(limit)
    )
    if org_ids is None:
        query = query.where(people.c.org_id.not_in(sa.select(org_lrs.c.org_id)))
    else:
        query = query.where(people.c.org_id.in_(list(org_ids)))
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Replicas claim different rows instead of waiting for each other.
        query = query.with_for_update(of=_box, skip_locked=True)
    rows = list((await session.execute(query)).all())
    if rows:
        await session.execute(
            sa.update(_box).where(_box.c.seq.in_([r.seq for r in rows])).values(next_attempt_at=now + lease)
        )
    return rows


async def cohorts_of_orgs(session: AsyncSession, org_ids: set[str]) -> dict[str, frozenset[str]]:
    """The cohorts each org is in now (its admins see those cohorts' threads)."""
    orgs = directory.cohort_orgs
    found: dict[str, set[str]] = {org: set() for org in org_ids}
    rows = await session.execute(
        sa.select(orgs.c.org_id, orgs.c.cohort_id).where(
            orgs.c.org_id.in_(sorted(org_ids)), orgs.c.active.is_(True)
        )
    )
    for row in rows:
        found[row.org_id].add(row.cohort_id)
    return {org: frozenset(cohorts) for org, cohorts in found.items()}


async def mark_sent(session: AsyncSession, seqs: Sequence[int], at: datetime) -> None:
    """The LRS holds these statements (stored now, or already)."""
    await session.execute(
        sa.update(_box)
        .where(_box.c.seq.in_(list(seqs)))
        .values(status=SENT, sent_at=at, last_attempt_at=at, attempts=_box.c.attempts + 1)
    )


async def mark_failed(session: AsyncSession, seqs: Sequence[int], at: datetime, error: str) -> None:
    """The LRS refused these statements for good; they are kept with its answer."""
    await session.execute(
        sa.update(_box)
        .where(_box.c.seq.in_(list(seqs)))
        .values(status=FAILED, last_error=error[:500], last_attempt_at=at, attempts=_box.c.attempts + 1)
    )


async def mark_retry(
    session: AsyncSession, seqs: Sequence[int], at: datetime, error: str, retry_at: datetime
) -> None:
    """The LRS could not take these statements now; they are tried again at ``retry_at``."""
    await session.execute(
        sa.update(_box)
        .where(_box.c.seq.in_(list(seqs)), _box.c.status == PENDING)
        .values(
            last_error=error[:500],
            last_attempt_at=at,
            attempts=_box.c.attempts + 1,
            next_attempt_at=retry_at,
        )
    )


async def defer(session: AsyncSession, org_ids: Sequence[str] | None, now: datetime, until: datetime) -> None:
    """Every due row of people of ``org_ids`` (None: of every org without its own LRS) waits
    until ``until``: their LRS is down. Rows in flight (leased past ``now``) keep their lease;
    the wait outlives a restart, and the sender need not look at them meanwhile."""
    people = directory.people
    orgs = (
        people.c.org_id.not_in(sa.select(org_lrs.c.org_id))
        if org_ids is None
        else people.c.org_id.in_(list(org_ids))
    )
    await session.execute(
        sa.update(_box)
        .where(
            _box.c.status == PENDING,
            _box.c.next_attempt_at <= now,
            _box.c.person_id.in_(sa.select(people.c.id).where(orgs)),
        )
        .values(next_attempt_at=until)
    )


async def release(session: AsyncSession, seqs: Sequence[int], now: datetime) -> None:
    """Claimed rows not posted (the sender stopped): due again at once."""
    await session.execute(
        sa.update(_box)
        .where(_box.c.seq.in_(list(seqs)), _box.c.status == PENDING)
        .values(next_attempt_at=now)
    )


async def retry_refused(session: AsyncSession, org_id: str, now: datetime) -> None:
    """An org's refused statements are pending again (its admin has just set the LRS anew)."""
    people = directory.people
    mine = sa.select(people.c.id).where(people.c.org_id == org_id)
    await session.execute(
        sa.update(_box)
        .where(_box.c.status == FAILED, _box.c.person_id.in_(mine))
        .values(status=PENDING, next_attempt_at=now)
    )


async def delivery_of(session: AsyncSession, org_id: str) -> dict[str, Any]:
    """How the org's statements stand: counts per status, the last error and when, the last send."""
    people = directory.people
    mine = _box.c.person_id.in_(sa.select(people.c.id).where(people.c.org_id == org_id))
    counts = {PENDING: 0, SENT: 0, FAILED: 0}
    for status, count in await session.execute(
        sa.select(_box.c.status, sa.func.count()).where(mine).group_by(_box.c.status)
    ):
        counts[status] = int(count)
    last_error = (
        await session.execute(
            sa.select(_box.c.last_error, _box.c.last_attempt_at)
            .where(mine, _box.c.last_error.is_not(None))
            .order_by(_box.c.last_attempt_at.desc())
            .limit(1)
        )
    ).first()
    last_sent = await session.scalar(sa.select(sa.func.max(_box.c.sent_at)).where(mine))
    return {
        **counts,
        "last_error": last_error.last_error if last_error else None,
        "last_error_at": last_error.last_attempt_at if last_error else None,
        "last_sent_at": last_sent,
    }
