"""Sign-in codes and SSO settings in SQL (tables ``sign_in_codes`` and ``org_sso``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles.adapters.models import org_sso, orgs, people, sign_in_codes
from peerlearn_profiles.adapters.store import is_id


@dataclass(frozen=True)
class Holder:
    """A person holding an email address, with the org that names them."""

    person_id: str
    email: str
    org_id: str
    org_name: str


@dataclass
class SsoRecord:
    org_id: str
    issuer: str
    client_id: str
    client_secret_sealed: str
    allowed_domains: list[str]
    enabled: bool
    updated_at: datetime


async def holders_of(session: AsyncSession, email_key: str) -> list[Holder]:
    """Everyone with this (casefolded) email, in every org, by org name."""
    rows = await session.execute(
        sa.select(people.c.id, people.c.email, orgs.c.id.label("org_id"), orgs.c.name)
        .join(orgs, orgs.c.id == people.c.org_id)
        .where(people.c.email_key == email_key)
        .order_by(orgs.c.name, orgs.c.id)
    )
    return [Holder(row.id, row.email, row.org_id, row.name) for row in rows]


async def replace_code(
    session: AsyncSession, person_id: str, hashed: str, *, now: datetime, expires_at: datetime
) -> None:
    """Make ``hashed`` the person's only open code (older open ones become ``replaced``)."""
    await session.execute(
        sa.update(sign_in_codes)
        .where(sign_in_codes.c.person_id == person_id, sign_in_codes.c.state == "open")
        .values(state="replaced")
    )
    await session.execute(
        sa.insert(sign_in_codes).values(
            code_hash=hashed, person_id=person_id, state="open", created_at=now, expires_at=expires_at
        )
    )


async def consume(session: AsyncSession, hashed: str, now: datetime) -> str | None:
    """Mark the code used if it is open and unexpired, and return its person; else None.

    One conditional UPDATE: of two concurrent consumers one changes the row and the other
    (queued behind its lock on PostgreSQL, behind the write lock on SQLite) finds it used.
    """
    result = await session.execute(
        sa.update(sign_in_codes)
        .where(
            sign_in_codes.c.code_hash == hashed,
            sign_in_codes.c.state == "open",
            sign_in_codes.c.expires_at > now,
        )
        .values(state="used", used_at=now)
        .returning(sign_in_codes.c.person_id)
    )
    return result.scalar_one_or_none()


async def code_state(session: AsyncSession, hashed: str) -> tuple[str, datetime] | None:
    """The code's state and expiry, or None when there is no such code."""
    row = (
        await session.execute(
            sa.select(sign_in_codes.c.state, sign_in_codes.c.expires_at).where(
                sign_in_codes.c.code_hash == hashed
            )
        )
    ).first()
    return None if row is None else (row.state, row.expires_at)


async def delete_codes_of(session: AsyncSession, person_id: str) -> None:
    """Forget every code of the person (erasure)."""
    await session.execute(sa.delete(sign_in_codes).where(sign_in_codes.c.person_id == person_id))


async def get_sso(session: AsyncSession, org_id: str) -> SsoRecord | None:
    if not is_id(org_id):
        return None
    row = (await session.execute(sa.select(org_sso).where(org_sso.c.org_id == org_id))).first()
    return None if row is None else SsoRecord(**row._mapping)


async def put_sso(session: AsyncSession, record: SsoRecord) -> None:
    """Insert or replace the org's SSO settings."""
    values = dict(record.__dict__)
    found = await session.execute(
        sa.update(org_sso).where(org_sso.c.org_id == record.org_id).values(**values)
    )
    if not found.rowcount:  # type: ignore[attr-defined]
        await session.execute(sa.insert(org_sso).values(**values))
