"""``/v1/orgs/{id}/lrs``: an org's learning record store (org admins; the password never returned)."""

from __future__ import annotations

from litestar import Controller, get, put

from peerlearn.auth import Principal
from peerlearn.sealing import SecretSealer
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.http import schemas
from peerlearn_insights.usecases import lrs


def _out(shown: lrs.LrsShown) -> schemas.LrsOut:
    return schemas.LrsOut(
        org_id=shown.org_id,
        endpoint=shown.endpoint,
        username=shown.username,
        updated_at=shown.updated_at,
        source="default" if shown.source == "default" else "org",
        delivery=schemas.LrsDelivery(**shown.delivery),
    )


class LrsController(Controller):
    path = "/v1/orgs/{org_id:str}/lrs"
    tags = ["learning record store"]

    @put("/", summary="Set the org's LRS (its admins, the platform admin; others 404)")
    async def replace(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        org_id: str,
        data: schemas.LrsIn,
        lrs_sealer: SecretSealer,
    ) -> schemas.LrsOut:
        shown = await lrs.set_lrs(
            uow, principal, org_id, data.endpoint, data.username, data.password, lrs_sealer
        )
        return _out(shown)

    @get(
        "/",
        summary="The org's LRS (or the default one it uses) and how its statements stand: "
        "pending, sent, failed, the last error; never the password",
    )
    async def read(
        self, uow: UnitOfWork, principal: Principal | None, org_id: str, xapi_default_endpoint: str
    ) -> schemas.LrsOut:
        return _out(await lrs.get_lrs(uow, principal, org_id, xapi_default_endpoint))
