"""``/v1/search``: ranked full-text search over what the caller may see."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import Parameter

from peerlearn.auth import Principal
from peerlearn.cached_reads import cached_for_reader
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.http import schemas
from peerlearn_forum.http.params import Cursor, Limit
from peerlearn_forum.usecases import search as use

Query = Annotated[str, Parameter(min_length=1, max_length=200, description="words to find")]


class SearchController(Controller):
    path = "/v1/search"
    tags = ["search"]

    @get("/", summary="Threads and posts matching every word, best first")
    async def search(
        self, uow: UnitOfWork, principal: Principal | None, q: Query, cursor: Cursor = None, limit: Limit = 20
    ) -> Response[schemas.SearchPage]:
        # Per reader and content version, as the thread views are (``peerlearn.cached_reads``): the
        # same words searched again (a reload, a page back) while nothing changed are a lookup.
        return await cached_for_reader(
            uow,
            principal,
            ("search", q, cursor, limit),
            lambda version: use.search(uow, principal, q, cursor=cursor, limit=limit, version=version),
        )
