"""``/v1/search``: ranked full-text search over what the caller may see."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import Parameter

from peerlearn.auth import Principal
from peerlearn_forum import schemas, searching
from peerlearn_forum.routes.calls import read
from peerlearn_forum.routes.params import Cursor, Limit

Query = Annotated[str, Parameter(min_length=1, max_length=200, description="words to find")]


class SearchController(Controller):
    path = "/v1/search"
    tags = ["search"]

    @get("/", summary="Threads and posts matching every word, best first")
    async def search(
        self, state: State, principal: Principal | None, q: Query, cursor: Cursor = None, limit: Limit = 20
    ) -> schemas.SearchPage:
        return await read(
            state, principal, lambda s, v: searching.search(s, v, q, cursor=cursor, limit=limit)
        )
