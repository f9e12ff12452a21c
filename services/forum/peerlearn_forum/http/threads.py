"""Threads: ``/v1/spaces/{id}/threads`` and ``/v1/threads/{id}`` (with posts, votes, acceptance)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import Parameter

from peerlearn.auth import Principal, authenticated
from peerlearn.cached_reads import cached_for_reader
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.domain.posting import PostingWindow
from peerlearn_forum.http import schemas
from peerlearn_forum.http.params import Cursor, Limit
from peerlearn_forum.usecases import acceptance, posts, threads, votes

Sort = Literal["active", "new", "top"]
TagFilter = Annotated[
    str | None,
    Parameter(max_length=40, pattern=r"^[A-Za-z0-9+#._-]+\Z", description="only threads with this tag"),
]


class ThreadController(Controller):
    path = "/v1"
    tags = ["threads"]

    @post(
        "/spaces/{space_id:str}/threads", guards=[authenticated], summary="Ask, discuss or share a resource"
    )
    async def create(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        posting: PostingWindow,
        space_id: str,
        data: schemas.ThreadCreate,
    ) -> schemas.Thread:
        return await threads.create_thread(uow, principal, posting, space_id, data)

    @get("/spaces/{space_id:str}/threads", summary="A space's threads: active, new or top; by tag or kind")
    async def list(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        space_id: str,
        sort: Sort = "active",
        tag: TagFilter = None,
        kind: schemas.ThreadKind | None = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> Response[schemas.ThreadPage]:
        return await cached_for_reader(
            uow,
            principal,
            ("threads", space_id, sort, tag, kind, cursor, limit),
            lambda version: threads.list_threads(
                uow,
                principal,
                space_id,
                sort=sort,
                tag=tag,
                kind=kind,
                cursor=cursor,
                limit=limit,
                version=version,
            ),
        )

    @get(
        "/threads/{thread_id:str}", summary="A thread with its posts, suggested answerers and related threads"
    )
    async def read(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        thread_id: str,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Response[schemas.Thread]:
        return await cached_for_reader(
            uow,
            principal,
            ("thread", thread_id, cursor, limit),
            lambda version: threads.thread_view(
                uow, principal, thread_id, cursor=cursor, limit=limit, version=version
            ),
        )

    @patch("/threads/{thread_id:str}", guards=[authenticated], summary="The author edits the thread")
    async def edit(
        self, uow: UnitOfWork, principal: Principal | None, thread_id: str, data: schemas.ThreadUpdate
    ) -> schemas.Thread:
        return await threads.update_thread(uow, principal, thread_id, data)

    @delete(
        "/threads/{thread_id:str}", guards=[authenticated], summary="The author or a moderator deletes it"
    )
    async def remove(self, uow: UnitOfWork, principal: Principal | None, thread_id: str) -> None:
        await threads.delete_thread(uow, principal, thread_id)

    @post("/threads/{thread_id:str}/posts", guards=[authenticated], summary="Answer or reply")
    async def answer(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        posting: PostingWindow,
        thread_id: str,
        data: schemas.PostCreate,
    ) -> schemas.Post:
        return await posts.create_post(uow, principal, posting, thread_id, data)

    @post(
        "/threads/{thread_id:str}/votes",
        guards=[authenticated],
        status_code=200,
        summary="+1 or -1 on the thread",
    )
    async def vote(
        self, uow: UnitOfWork, principal: Principal | None, thread_id: str, data: schemas.VoteCast
    ) -> schemas.VoteResult:
        return await votes.vote_thread(uow, principal, thread_id, data.value)

    @post(
        "/threads/{thread_id:str}/accept",
        guards=[authenticated],
        status_code=200,
        summary="Accept an answer (moves it)",
    )
    async def accept(
        self, uow: UnitOfWork, principal: Principal | None, thread_id: str, data: schemas.AcceptAnswer
    ) -> schemas.Acceptance:
        return await acceptance.accept_answer(uow, principal, thread_id, data.post_id)
