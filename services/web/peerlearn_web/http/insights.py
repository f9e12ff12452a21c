"""The insights pages: a person's learning record (``/me/learning``), and for org admins the
programme report with its charts (``/admin/report``, a cohort's at
``/admin/cohorts/{id}/report``) and the learning network's picture (``/admin/network``). The
pictures come from insights as SVG and are served from here, so the browser needs no token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Template

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.insights import VERB_LABELS, labels_of, share, window
from peerlearn_web.http.rendering import page
from peerlearn_web.usecases import insights

SVG = "image/svg+xml"
# An SVG opened on its own is a document: nothing in it may load or run.
SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cache-Control": "private, no-store",
}


def _svg(body: bytes) -> Response[bytes]:
    return Response(body, media_type=SVG, headers=SVG_HEADERS)


def _admin(me: Caller) -> None:
    if not me.is_org_admin:  # insights refuses too; this spares the call and says 404 the same way
        raise NotFoundException()


class InsightsController(Controller):
    @get("/me/learning", name="my_learning")
    async def learning(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        me: Caller,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Template:
        """The person's learning record: each act, the upvotes, a tally."""
        params, errors = window(start, end)
        found = await insights.learning_record(ups, me, params)
        return page(
            request,
            "learning_record.html",
            record=found,
            labels=VERB_LABELS,
            start=start,
            end=end,
            errors=errors,
        )

    @get("/admin/report", name="admin_report")
    async def org_report(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        me: Caller,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Template:
        """The admin's org's programme report and its charts."""
        _admin(me)
        params, errors = window(start, end)
        found = await insights.report(ups, me, "org", me.org_id, params)
        return self._report_page(request, found, "/admin/report.svg", params, start, end, errors)

    @get("/admin/cohorts/{cohort_id:str}/report", name="admin_cohort_report")
    async def cohort_report(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        me: Caller,
        cohort_id: str,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Template:
        """A cohort's programme report, for the admins of its orgs."""
        _admin(me)
        params, errors = window(start, end)
        found = await insights.report(ups, me, "cohort", cohort_id, params)
        charts = f"/admin/cohorts/{quote(cohort_id, safe='')}/report.svg"
        return self._report_page(request, found, charts, params, start, end, errors)

    @staticmethod
    def _report_page(
        request: Request[Any, Any, Any],
        found: dict[str, Any],
        charts: str,
        params: dict[str, str],
        start: str,
        end: str,
        errors: dict[str, str],
    ) -> Template:
        query = urlencode(sorted(params.items()))
        return page(
            request,
            "report.html",
            report=found,
            charts=charts + (f"?{query}" if query else ""),
            share=share,
            start=start,
            end=end,
            errors=errors,
        )

    @get("/admin/report.svg", media_type=SVG)
    async def org_charts(
        self,
        ups: Upstreams,
        me: Caller,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Response[bytes]:
        """The org report's charts."""
        _admin(me)
        return _svg(
            await insights.picture(
                ups, me, f"orgs/{quote(me.org_id, safe='')}/report.svg", _given(start, end)
            )
        )

    @get("/admin/cohorts/{cohort_id:str}/report.svg", media_type=SVG)
    async def cohort_charts(
        self,
        ups: Upstreams,
        me: Caller,
        cohort_id: str,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Response[bytes]:
        """A cohort report's charts."""
        _admin(me)
        path = f"cohorts/{quote(cohort_id, safe='')}/report.svg"
        return _svg(await insights.picture(ups, me, path, _given(start, end)))

    @get("/admin/network", name="admin_network")
    async def network(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        me: Caller,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Template:
        """The org's learning network: the picture, its communities, brokers and isolates."""
        _admin(me)
        params, errors = window(start, end)
        found = await insights.network(ups, me, me.org_id, params)
        query = urlencode(sorted(params.items()))
        return page(
            request,
            "network.html",
            network=found,
            names=labels_of(found),
            picture="/admin/network.svg" + (f"?{query}" if query else ""),
            share=share,
            start=start,
            end=end,
            errors=errors,
        )

    @get("/admin/network.svg", media_type=SVG)
    async def network_picture(
        self,
        ups: Upstreams,
        me: Caller,
        start: str = Parameter(query="from", default=""),
        end: str = Parameter(query="to", default=""),
    ) -> Response[bytes]:
        """The org's learning network as a picture."""
        _admin(me)
        return _svg(
            await insights.picture(
                ups, me, f"orgs/{quote(me.org_id, safe='')}/network.svg", _given(start, end)
            )
        )


def _given(start: str, end: str) -> dict[str, str]:
    """The picture's window, already RFC 3339 (the page put it in the link); anything else is dropped."""
    return {
        name: value
        for name, value in (("from", start), ("to", end))
        if value and len(value) <= 40 and all(c.isalnum() or c in ":-.+" for c in value)
    }
