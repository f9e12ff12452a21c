"""``/v1/orgs/{id}/network`` (JSON) and ``/v1/orgs/{id}/network.svg`` (a picture): the org's
learning network, for its admins and the platform admin (thin)."""

from __future__ import annotations

from litestar import Controller, Response, get

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.domain.network import Network
from peerlearn_insights.domain.network_picture import network_svg
from peerlearn_insights.http.report import SVG, From, To
from peerlearn_insights.usecases.analysed_networks import AnalysedNetworks
from peerlearn_insights.usecases.learning_network import learning_network


class NetworkController(Controller):
    path = "/v1/orgs/{org_id:str}"
    tags = ["learning network"]

    @get("/network", summary="Who helped whom around the org, analysed (its admins, the platform admin)")
    async def read(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        analysed_networks: AnalysedNetworks,
        org_id: str,
        start: From = None,
        end: To = None,
    ) -> Network:
        return await learning_network(uow, principal, org_id, start, end, analysed_networks)

    @get("/network.svg", media_type=SVG, summary="The org's learning network as a picture")
    async def picture(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        analysed_networks: AnalysedNetworks,
        org_id: str,
        start: From = None,
        end: To = None,
    ) -> Response[str]:
        found = await learning_network(uow, principal, org_id, start, end, analysed_networks)
        return Response(network_svg(found), media_type=SVG)
