"""Republishing every person's contact, so that a notify started on an existing deployment
learns every address (``peerlearn profiles publish-contacts``).

Each person's ``contacts.person.updated`` is recorded in profiles' outbox, which the running
service relays to the CONTACTS stream like any other event. The event id is fixed by the
person and the version of their profile (``updated_at``), so a second run republishes nothing:
an id still in the outbox is not recorded again, JetStream drops a repeat inside its
duplicate window by ``Nats-Msg-Id``, and notify applies each event id once. The event carries
the profile's version as its time, so it never overrides a newer address notify already has
(notify keeps the newest address by event time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from peerlearn.events import make_event
from peerlearn.events.contacts import ContactUpdated
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters.models import outbox as _OUTBOX
from peerlearn_profiles.adapters.models import people


@dataclass
class Republished:
    """What one run did: contacts recorded now, and those already in the outbox from a run before."""

    recorded: int = 0
    already: int = 0


def contact_event_id(person_id: str, version: datetime) -> str:
    """The event id of a person's contact at one version of their profile: the version's
    milliseconds (ids stay time-ordered, as :func:`peerlearn.events.new_id`'s) and a digest of
    the person, so the same person and version always give the same ``Nats-Msg-Id``."""
    millis = int(version.timestamp() * 1000)
    digest = hashlib.sha256(f"contact:{person_id}:{version.isoformat()}".encode()).hexdigest()
    return f"{millis:012x}{digest[:16]}"


async def count_people(uow: UnitOfWork) -> int:
    """How many people profiles holds (the progress bar's total)."""
    async with uow.reading() as tx:
        return int(await tx.session.scalar(sa.select(sa.func.count()).select_from(people)) or 0)


async def republish_contacts(
    uow: UnitOfWork, *, batch: int = 500, progress: Callable[[int], None] = lambda _n: None
) -> Republished:
    """Record every person's current contact in the outbox, ``batch`` people per transaction
    (in id order, so a person added meanwhile is published by their own creation anyway)."""
    done = Republished()
    after = ""
    while True:
        async with uow.writing() as tx:
            rows = (
                await tx.session.execute(
                    sa.select(people.c.id, people.c.org_id, people.c.email, people.c.updated_at)
                    .where(people.c.id > after)
                    .order_by(people.c.id)
                    .limit(batch)
                )
            ).all()
            if not rows:
                return done
            ids = {row.id: contact_event_id(row.id, row.updated_at) for row in rows}
            queued = set(
                await tx.session.scalars(
                    sa.select(_OUTBOX.c.event_id).where(_OUTBOX.c.event_id.in_(list(ids.values())))
                )
            )
            for row in rows:
                if ids[row.id] in queued:
                    done.already += 1
                    continue
                data = ContactUpdated(person_id=row.id, org_id=row.org_id, email=row.email)
                event = make_event(data, org_id=row.org_id, event_id=ids[row.id], occurred_at=row.updated_at)
                await tx.record(event)
                done.recorded += 1
        after = rows[-1].id
        progress(len(rows))
