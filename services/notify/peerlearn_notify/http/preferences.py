"""``/v1/people/{id}/notification-settings``: read and replace (thin)."""

from __future__ import annotations

from litestar import Controller, get, put

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.http import schemas
from peerlearn_notify.usecases import preferences


class SettingsController(Controller):
    path = "/v1/people/{person_id:str}/notification-settings"
    tags = ["settings"]

    @get("/", summary="A person's notification settings (only theirs; others 404)")
    async def read(
        self, uow: UnitOfWork, principal: Principal | None, person_id: str
    ) -> schemas.NotificationSettings:
        prefs = await preferences.read_settings(uow, principal, person_id)
        return schemas.settings_of(person_id, prefs)

    @put("/", summary="Replace the settings: a mode per kind, timezone, quiet hours (unknown kinds 400)")
    async def replace(
        self, uow: UnitOfWork, principal: Principal | None, person_id: str, data: schemas.SettingsIn
    ) -> schemas.NotificationSettings:
        prefs = await preferences.replace_settings(
            uow,
            principal,
            person_id,
            kinds=data.kinds,
            timezone=data.timezone,
            quiet_start=data.quiet_start,
            quiet_end=data.quiet_end,
        )
        return schemas.settings_of(person_id, prefs)
