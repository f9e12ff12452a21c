"""Reads and writes of what notify keeps per person: settings, address, erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_notify.adapters.tables import (
    contacts,
    mail_outbox,
    notifications,
    pending_routes,
    preferences,
    seen_suggestions,
    sent_digests,
    thread_answerers,
)
from peerlearn_notify.domain.kinds import Mode, Preferences


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def preferences_of(session: AsyncSession, person_id: str) -> Preferences:
    """The person's settings, the defaults when they never saved any."""
    return (await preferences_of_many(session, [person_id]))[person_id]


async def preferences_of_many(session: AsyncSession, person_ids: list[str]) -> dict[str, Preferences]:
    """Each person's settings in one query (the defaults for those who never saved any)."""
    rows = await session.execute(sa.select(preferences).where(preferences.c.person_id.in_(person_ids)))
    found = {row.person_id: _preferences(row) for row in rows}
    return {person_id: found.get(person_id) or Preferences() for person_id in person_ids}


def _preferences(row: Any) -> Preferences:
    modes: dict[str, Mode] = {**Preferences().modes, **dict(row.kinds)}
    return Preferences(
        modes=modes, timezone=row.timezone, quiet_start=row.quiet_start, quiet_end=row.quiet_end
    )


async def save_preferences(session: AsyncSession, person_id: str, prefs: Preferences) -> None:
    """Replace the person's settings."""
    values: dict[str, Any] = {
        "kinds": dict(prefs.modes),
        "timezone": prefs.timezone,
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
        "updated_at": datetime.now(UTC),
    }
    updated = await session.execute(
        sa.update(preferences).where(preferences.c.person_id == person_id).values(**values)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        await session.execute(sa.insert(preferences).values(person_id=person_id, **values))


async def address_of(session: AsyncSession, person_id: str) -> str | None:
    """The person's email address, when profiles told us one."""
    return await session.scalar(sa.select(contacts.c.email).where(contacts.c.person_id == person_id))


async def addresses_of(session: AsyncSession, person_ids: list[str]) -> dict[str, str]:
    """The addresses profiles told us, by person, in one query (those without one left out)."""
    rows = await session.execute(
        sa.select(contacts.c.person_id, contacts.c.email).where(
            contacts.c.person_id.in_(person_ids), contacts.c.email.is_not(None)
        )
    )
    return {row.person_id: row.email for row in rows if row.email}


async def set_address(
    session: AsyncSession, person_id: str, org_id: str, email: str | None, at: datetime
) -> None:
    """Keep the newest address by event time (a late, older event changes nothing)."""
    known = await session.scalar(sa.select(contacts.c.version_at).where(contacts.c.person_id == person_id))
    if known is None:
        await session.execute(
            sa.insert(contacts).values(person_id=person_id, org_id=org_id, email=email, version_at=at)
        )
    elif _aware(known) <= at:
        await session.execute(
            sa.update(contacts)
            .where(contacts.c.person_id == person_id)
            .values(org_id=org_id, email=email, version_at=at)
        )


async def forget(session: AsyncSession, person_id: str) -> None:
    """Everything notify holds about an erased person: inbox, settings, address, unsent mail."""
    for table, column in (
        (notifications, notifications.c.person_id),
        (preferences, preferences.c.person_id),
        (contacts, contacts.c.person_id),
        (seen_suggestions, seen_suggestions.c.person_id),
        (sent_digests, sent_digests.c.person_id),
        (thread_answerers, thread_answerers.c.person_id),
        (pending_routes, pending_routes.c.person_id),
        (mail_outbox, mail_outbox.c.person_id),
    ):
        await session.execute(sa.delete(table).where(column == person_id))
