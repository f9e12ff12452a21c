"""``/v1/orgs/{id}/report`` and ``/v1/cohorts/{id}/report``: the programme report as JSON, and
``…/report.svg`` as charts (thin: the use case decides who may read it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import Parameter

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.domain.charts import CHARTS, Chart, report_svg
from peerlearn_insights.domain.report import Report
from peerlearn_insights.usecases.programme_report import cohort_report, org_report

From = Annotated[datetime | None, Parameter(query="from", required=False, description="inclusive, RFC 3339")]
To = Annotated[datetime | None, Parameter(query="to", required=False, description="exclusive, RFC 3339")]
Charts = Annotated[
    list[Chart] | None,
    Parameter(query="chart", required=False, description="the charts to draw (default all)"),
]
SVG = "image/svg+xml"


def _svg(report: Report, charts: list[Chart] | None) -> Response[str]:
    return Response(report_svg(report, charts or CHARTS), media_type=SVG)


class ReportController(Controller):
    tags = ["programme report"]

    @get("/v1/orgs/{org_id:str}/report", summary="An org's programme report (its admins, the platform admin)")
    async def org(
        self, uow: UnitOfWork, principal: Principal | None, org_id: str, start: From = None, end: To = None
    ) -> Report:
        return await org_report(uow, principal, org_id, start, end)

    @get(
        "/v1/orgs/{org_id:str}/report.svg", media_type=SVG, summary="An org's programme report as SVG charts"
    )
    async def org_svg(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        org_id: str,
        start: From = None,
        end: To = None,
        chart: Charts = None,
    ) -> Response[str]:
        return _svg(await org_report(uow, principal, org_id, start, end), chart)

    @get(
        "/v1/cohorts/{cohort_id:str}/report",
        summary="A cohort's programme report (the admins of its orgs, the platform admin)",
    )
    async def cohort(
        self, uow: UnitOfWork, principal: Principal | None, cohort_id: str, start: From = None, end: To = None
    ) -> Report:
        return await cohort_report(uow, principal, cohort_id, start, end)

    @get(
        "/v1/cohorts/{cohort_id:str}/report.svg",
        media_type=SVG,
        summary="A cohort's programme report as SVG charts",
    )
    async def cohort_svg(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        cohort_id: str,
        start: From = None,
        end: To = None,
        chart: Charts = None,
    ) -> Response[str]:
        return _svg(await cohort_report(uow, principal, cohort_id, start, end), chart)
