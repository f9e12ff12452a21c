"""Reading and replacing a person's notification settings."""

from __future__ import annotations

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.people import preferences_of, save_preferences
from peerlearn_notify.domain.kinds import Preferences, preferences
from peerlearn_notify.usecases.access import owner_or_admin


async def read_settings(uow: UnitOfWork, principal: Principal | None, person_id: str) -> Preferences:
    """The person's settings (defaults filled in)."""
    async with uow.reading() as tx:
        await owner_or_admin(tx.session, principal, person_id)
        return await preferences_of(tx.session, person_id)


async def replace_settings(
    uow: UnitOfWork,
    principal: Principal | None,
    person_id: str,
    *,
    kinds: dict[str, str],
    timezone: str,
    quiet_start: str | None,
    quiet_end: str | None,
) -> Preferences:
    """Validate and store the settings; kinds left out keep their defaults."""
    checked = preferences(kinds, timezone, quiet_start, quiet_end)
    async with uow.writing() as tx:
        await owner_or_admin(tx.session, principal, person_id)
        await save_preferences(tx.session, person_id, checked)
    return checked
