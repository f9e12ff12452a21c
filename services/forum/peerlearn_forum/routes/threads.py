"""Threads: ``/v1/spaces/{id}/threads`` and ``/v1/threads/{id}`` (with posts, votes, acceptance)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import Parameter

from peerlearn.auth import Principal, authenticated
from peerlearn_forum import answers, schemas
from peerlearn_forum import threads as use
from peerlearn_forum.routes.calls import read as read_only
from peerlearn_forum.routes.calls import run, write
from peerlearn_forum.routes.params import Cursor, Limit

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
        request: Request[Any, Any, Any],
        principal: Principal | None,
        space_id: str,
        data: schemas.ThreadCreate,
    ) -> Response[schemas.Thread]:
        return await write(
            request, principal, lambda s, v: use.create_thread(s, v, space_id, data), posting=True
        )

    @get("/spaces/{space_id:str}/threads", summary="A space's threads: active, new or top; by tag or kind")
    async def list(
        self,
        state: State,
        principal: Principal | None,
        space_id: str,
        sort: Sort = "active",
        tag: TagFilter = None,
        kind: schemas.ThreadKind | None = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> schemas.ThreadPage:
        return await read_only(
            state,
            principal,
            lambda s, v: use.list_threads(
                s, v, space_id, sort=sort, tag=tag, kind=kind, cursor=cursor, limit=limit
            ),
        )

    @get(
        "/threads/{thread_id:str}", summary="A thread with its posts, suggested answerers and related threads"
    )
    async def read(
        self,
        state: State,
        principal: Principal | None,
        thread_id: str,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> schemas.Thread:
        return await read_only(
            state, principal, lambda s, v: use.thread_view(s, v, thread_id, cursor=cursor, limit=limit)
        )

    @patch("/threads/{thread_id:str}", guards=[authenticated], summary="The author edits the thread")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        thread_id: str,
        data: schemas.ThreadUpdate,
    ) -> Response[schemas.Thread]:
        return await write(
            request, principal, lambda s, v: use.update_thread(s, v, thread_id, data), status=200
        )

    @delete(
        "/threads/{thread_id:str}", guards=[authenticated], summary="The author or a moderator deletes it"
    )
    async def remove(self, state: State, principal: Principal | None, thread_id: str) -> None:
        await run(state, principal, lambda s, v: use.delete_thread(s, v, thread_id))

    @post("/threads/{thread_id:str}/posts", guards=[authenticated], summary="Answer or reply")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        thread_id: str,
        data: schemas.PostCreate,
    ) -> Response[schemas.Post]:
        return await write(
            request, principal, lambda s, v: answers.create_post(s, v, thread_id, data), posting=True
        )

    @post("/threads/{thread_id:str}/votes", guards=[authenticated], summary="+1 or -1 on the thread")
    async def vote(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        thread_id: str,
        data: schemas.VoteCast,
    ) -> Response[schemas.VoteResult]:
        return await write(
            request, principal, lambda s, v: answers.vote_thread(s, v, thread_id, data.value), status=200
        )

    @post("/threads/{thread_id:str}/accept", guards=[authenticated], summary="Accept an answer (moves it)")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        thread_id: str,
        data: schemas.AcceptAnswer,
    ) -> Response[schemas.Acceptance]:
        return await write(
            request, principal, lambda s, v: answers.accept_answer(s, v, thread_id, data.post_id), status=200
        )
