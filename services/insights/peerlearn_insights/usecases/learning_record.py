"""A person's learning record: their acts in a window, titles only where the reader may look."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, Where, may_see
from peerlearn.errors import Invalid, NotFound, Unauthenticated
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_insights.adapters import record
from peerlearn_insights.adapters.tables import DIRECTORY, directory
from peerlearn_insights.domain.acts import AGGREGATED


@dataclass(frozen=True)
class Entry:
    """One act as the reader is shown it (``title`` None: a thread they may not see)."""

    id: str
    verb: str
    at: datetime
    thread_id: str | None
    title: str | None
    tags: list[str]
    cohort_id: str | None
    with_person: str | None
    minutes: int | None


@dataclass(frozen=True)
class Record:
    """The person's record: the acts, the upvotes as two counts, each verb's tally."""

    person_id: str
    org_id: str
    entries: list[Entry]
    upvotes_given: int = 0
    upvotes_received: int = 0
    tally: dict[str, int] = field(default_factory=dict)


async def reader_of(tx: Transaction, principal: Principal | None, person_id: str) -> tuple[Caller, str]:
    """The caller and the person's org, when the caller is the person, an admin of their org or
    the platform admin; anyone else: :class:`NotFound` (the record does not exist for them)."""
    if principal is None:
        raise Unauthenticated("sign in to see a learning record")
    caller = await DIRECTORY.caller_for(tx.session, principal)
    if not caller.platform_admin and caller.person_id is None:
        raise Unauthenticated("this account no longer exists")
    people = directory.people
    org_id = await tx.session.scalar(
        sa.select(people.c.org_id).where(people.c.id == person_id, people.c.erased.is_(False))
    )
    if org_id is None or not (caller.person_id == person_id or caller.administers_org(org_id)):
        raise NotFound(f"no person {person_id}")
    return caller, org_id


def _entry(caller: Caller, row: Any) -> Entry:
    visible = row.title is not None and may_see(
        caller, Where(row.visibility, org_id=row.thread_org_id, cohort_id=row.thread_cohort_id)
    )
    return Entry(
        id=f"{row.event_id}:{row.verb}",
        verb=row.verb,
        at=row.at,
        thread_id=row.thread_id,
        title=row.title if visible else None,
        tags=list(row.tags or []) if visible else [],
        cohort_id=row.cohort_id,
        with_person=row.other_id,
        minutes=row.minutes,
    )


async def learning_record(
    uow: UnitOfWork, principal: Principal | None, person_id: str, start: datetime | None, end: datetime | None
) -> Record:
    """The person's acts in ``[start, end)`` as ``principal`` may read them."""
    if start is not None and end is not None and start >= end:
        raise Invalid("from must be before to")
    async with uow.reading() as tx:
        caller, org_id = await reader_of(tx, principal, person_id)
        rows = await record.acts_of(tx.session, person_id, start, end)
    tally: dict[str, int] = {}
    for row in rows:
        tally[row.verb] = tally.get(row.verb, 0) + 1
    return Record(
        person_id=person_id,
        org_id=org_id,
        entries=[_entry(caller, row) for row in rows if row.verb not in AGGREGATED],
        upvotes_given=tally.get("upvoted", 0),
        upvotes_received=tally.get("upvote_received", 0),
        tally=tally,
    )
