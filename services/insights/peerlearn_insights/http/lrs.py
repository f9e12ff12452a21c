"""``/v1/orgs/{id}/lrs``: an org's learning record store (org admins; the password never returned)."""

from __future__ import annotations

from litestar import Controller, get, put

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.http import schemas
from peerlearn_insights.usecases import lrs


class LrsController(Controller):
    path = "/v1/orgs/{org_id:str}/lrs"
    tags = ["learning record store"]

    @put("/", summary="Set the org's LRS (its admins, the platform admin; others 404)")
    async def replace(
        self, uow: UnitOfWork, principal: Principal | None, org_id: str, data: schemas.LrsIn
    ) -> schemas.LrsOut:
        shown = await lrs.set_lrs(uow, principal, org_id, data.endpoint, data.username, data.password)
        return schemas.LrsOut(**vars(shown))

    @get("/", summary="The org's LRS: endpoint and username, never the password")
    async def read(self, uow: UnitOfWork, principal: Principal | None, org_id: str) -> schemas.LrsOut:
        return schemas.LrsOut(**vars(await lrs.get_lrs(uow, principal, org_id)))
