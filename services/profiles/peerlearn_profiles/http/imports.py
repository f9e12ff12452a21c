"""The CSV roster import: ``POST /v1/orgs/{org_id}/people:import`` with ``Content-Type: text/csv``."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.status_codes import HTTP_200_OK, HTTP_415_UNSUPPORTED_MEDIA_TYPE

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.domain.roster import decode_roster, read_roster
from peerlearn_profiles.http.schemas import ImportReport
from peerlearn_profiles.usecases.imports import import_roster

CSV_TYPES = ("text/csv", "text/plain", "application/csv")


def import_handler(max_bytes: int) -> HTTPRouteHandler:
    """The import endpoint, with its own body limit (rosters are larger than JSON bodies)."""

    @post(
        "/orgs/{org_id:str}/people:import",
        status_code=HTTP_200_OK,
        request_max_body_size=max_bytes,
        tags=["people"],
        summary="Import people from CSV (upsert by email); bad rows are listed, good rows are in",
    )
    async def import_people(
        org_id: str, request: Request[Any, Any, Any], uow: UnitOfWork, principal: Principal
    ) -> ImportReport:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in CSV_TYPES:
            raise HTTPException(
                status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                detail=f"send the roster as 'Content-Type: text/csv', not {media_type or 'nothing'!r}",
            )
        roster = read_roster(decode_roster(await request.body()))
        return await import_roster(uow, principal, org_id, roster)

    return import_people
