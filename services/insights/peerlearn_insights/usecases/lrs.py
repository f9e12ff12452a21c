"""Setting and reading an org's learning record store (its admins and the platform admin): the
password sealed at rest and never shown; what is shown includes how delivery stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import NotFound, Unauthenticated
from peerlearn.sealing import SecretSealer
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_insights.adapters import statement_outbox
from peerlearn_insights.adapters.tables import DIRECTORY, directory, org_lrs
from peerlearn_insights.domain.lrs import check_lrs


@dataclass(frozen=True)
class LrsShown:
    """What is shown of an org's LRS: never the password. ``source`` "default": the org set
    none and its statements go to ``PEERLEARN_XAPI_ENDPOINT`` (whose username is not shown)."""

    org_id: str
    endpoint: str
    username: str | None
    updated_at: datetime | None
    source: str = "org"
    delivery: dict[str, Any] = field(default_factory=dict)


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
    uow: UnitOfWork,
    principal: Principal | None,
    org_id: str,
    endpoint: str,
    username: str,
    password: str,
    sealer: SecretSealer,
) -> LrsShown:
    """Replace the org's LRS: its statements not sent yet go there from now on, and those an
    LRS refused are tried again (the admin has just fixed what was wrong, presumably)."""
    endpoint = check_lrs(endpoint, username, password)
    now = datetime.now(UTC)
    async with uow.writing() as tx:
        await org_admin(tx, principal, org_id)
        sealed = sealer.seal(password)
        values = {"endpoint": endpoint, "username": username, "password": sealed, "updated_at": now}
        changed = await tx.session.execute(
            sa.update(org_lrs).where(org_lrs.c.org_id == org_id).values(**values)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            await tx.session.execute(sa.insert(org_lrs).values(org_id=org_id, **values))
        await statement_outbox.retry_refused(tx.session, org_id, now)
        delivery = await statement_outbox.delivery_of(tx.session, org_id)
    return LrsShown(org_id=org_id, endpoint=endpoint, username=username, updated_at=now, delivery=delivery)


async def get_lrs(
    uow: UnitOfWork, principal: Principal | None, org_id: str, default_endpoint: str
) -> LrsShown:
    """The org's LRS without its password, or the default one (``default_endpoint``) when it set
    none, with how its statements stand; 404 when there is neither."""
    async with uow.reading() as tx:
        await org_admin(tx, principal, org_id)
        row = (await tx.session.execute(sa.select(org_lrs).where(org_lrs.c.org_id == org_id))).first()
        delivery = await statement_outbox.delivery_of(tx.session, org_id)
    if row is not None:
        return LrsShown(
            org_id=org_id,
            endpoint=row.endpoint,
            username=row.username,
            updated_at=row.updated_at,
            delivery=delivery,
        )
    if not default_endpoint:
        raise NotFound(f"organisation {org_id} has no learning record store set")
    return LrsShown(
        org_id=org_id,
        endpoint=default_endpoint.rstrip("/"),
        username=None,
        updated_at=None,
        source="default",
        delivery=delivery,
    )
