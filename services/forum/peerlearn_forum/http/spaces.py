"""``/v1/spaces``: create a space, list those the caller may see, read one."""

from __future__ import annotations

from litestar import Controller, Response, get, post

from peerlearn.auth import Principal, authenticated
from peerlearn.cached_reads import cached_for_reader
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.http import schemas
from peerlearn_forum.http.params import Cursor, Limit
from peerlearn_forum.usecases import spaces as use


class SpaceController(Controller):
    path = "/v1/spaces"
    tags = ["spaces"]

    @post("/", guards=[authenticated], summary="Create an org, cohort or public space")
    async def create(
        self, uow: UnitOfWork, principal: Principal | None, data: schemas.SpaceCreate
    ) -> schemas.Space:
        return await use.create_space(uow, principal, data)

    @get("/", summary="The spaces the caller may see")
    async def list(
        self, uow: UnitOfWork, principal: Principal | None, cursor: Cursor = None, limit: Limit = 50
    ) -> Response[schemas.SpacePage]:
        return await cached_for_reader(
            uow,
            principal,
            ("spaces", cursor, limit),
            lambda version: use.list_spaces(uow, principal, cursor=cursor, limit=limit, version=version),
        )

    @get("/{space_id:str}", summary="One space (404 when the caller may not see it)")
    async def read(self, uow: UnitOfWork, principal: Principal | None, space_id: str) -> schemas.Space:
        return await use.get_space(uow, principal, space_id)
