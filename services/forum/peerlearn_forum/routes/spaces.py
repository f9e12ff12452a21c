"""``/v1/spaces``: create a space, list those the caller may see, read one."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State

from peerlearn.auth import Principal, authenticated
from peerlearn_forum import schemas
from peerlearn_forum import spaces as use
from peerlearn_forum.routes.calls import read, write
from peerlearn_forum.routes.params import Cursor, Limit


class SpaceController(Controller):
    path = "/v1/spaces"
    tags = ["spaces"]

    @post("/", guards=[authenticated], summary="Create an org, cohort or public space")
    async def create(
        self, request: Request[Any, Any, Any], principal: Principal | None, data: schemas.SpaceCreate
    ) -> Response[schemas.Space]:
        return await write(request, principal, lambda s, v: use.create_space(s, v, data))

    @get("/", summary="The spaces the caller may see")
    async def list(
        self, state: State, principal: Principal | None, cursor: Cursor = None, limit: Limit = 50
    ) -> schemas.SpacePage:
        return await read(state, principal, lambda s, v: use.list_spaces(s, v, cursor=cursor, limit=limit))

    @get("/{space_id:str}", summary="One space (404 when the caller may not see it)")
    async def read(self, state: State, principal: Principal | None, space_id: str) -> schemas.Space:
        return await read(state, principal, lambda s, v: use.get_space(s, v, space_id))
