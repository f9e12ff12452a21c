"""Setting and reading an org's learning record store (its admins and the platform admin)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import NotFound, Unauthenticated
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_insights.adapters.tables import DIRECTORY, directory, org_lrs
from peerlearn_insights.domain.lrs import check_lrs


@dataclass(frozen=True)
class LrsShown:
    """What is shown of an org's LRS: never the password."""

    org_id: str
    endpoint: str
    username: str
    updated_at: datetime


async def org_admin(tx: Transaction, principal: Principal | None, org_id: str) -> Caller:
    """The caller when they administer ``org_id`` (known to the directory); others 404."""
    if principal is None:
        raise Unauthenticated("sign in to manage the learning record store")
    caller = await DIRECTORY.caller_for(tx.session, principal)
    if not caller.platform_admin and caller.person_id is None:
        raise Unauthenticated("this account no longer exists")
    if not caller.administers_org(org_id):
        raise NotFound(f"no organisation {org_id}")
    people = directory.people
    known = await tx.session.scalar(sa.select(people.c.id).where(people.c.org_id == org_id).limit(1))
    if known is None:
        raise NotFound(f"no organisation {org_id}")
    return caller


async def set_lrs(
    uow: UnitOfWork, principal: Principal | None, org_id: str, endpoint: str, username: str, password: str
) -> LrsShown:
    """Replace the org's LRS (its statements go there from now on)."""
    endpoint = check_lrs(endpoint, username, password)
    now = datetime.now(UTC)
    async with uow.writing() as tx:
        await org_admin(tx, principal, org_id)
        values = {"endpoint": endpoint, "username": username, "password": password, "updated_at": now}
        changed = await tx.session.execute(
            sa.update(org_lrs).where(org_lrs.c.org_id == org_id).values(**values)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            await tx.session.execute(sa.insert(org_lrs).values(org_id=org_id, **values))
    return LrsShown(org_id=org_id, endpoint=endpoint, username=username, updated_at=now)


async def get_lrs(uow: UnitOfWork, principal: Principal | None, org_id: str) -> LrsShown:
    """The org's LRS without its password; 404 when none is set."""
    async with uow.reading() as tx:
        await org_admin(tx, principal, org_id)
        row = (await tx.session.execute(sa.select(org_lrs).where(org_lrs.c.org_id == org_id))).first()
    if row is None:
        raise NotFound(f"organisation {org_id} has no learning record store set")
    return LrsShown(org_id=org_id, endpoint=row.endpoint, username=row.username, updated_at=row.updated_at)
