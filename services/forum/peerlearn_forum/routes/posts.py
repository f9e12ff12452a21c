"""``/v1/posts/{id}``: edit, delete, vote, flag."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, patch, post
from litestar.datastructures import State

from peerlearn.auth import Principal, authenticated
from peerlearn_forum import answers, moderation, schemas
from peerlearn_forum.routes.calls import run, write


class PostController(Controller):
    path = "/v1/posts"
    tags = ["posts"]
    guards = [authenticated]

    @patch("/{post_id:str}", summary="The author edits their post")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        post_id: str,
        data: schemas.PostUpdate,
    ) -> Response[schemas.Post]:
        return await write(
            request, principal, lambda s, v: answers.update_post(s, v, post_id, data), status=200
        )

    @delete("/{post_id:str}", summary="The author deletes their post")
    async def remove(self, state: State, principal: Principal | None, post_id: str) -> None:
        await run(state, principal, lambda s, v: answers.delete_post(s, v, post_id))

    @post("/{post_id:str}/votes", summary="+1 or -1; a second vote replaces the first")
    async def vote(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        post_id: str,
        data: schemas.VoteCast,
    ) -> Response[schemas.VoteResult]:
        return await write(
            request, principal, lambda s, v: answers.vote_post(s, v, post_id, data.value), status=200
        )

    @post("/{post_id:str}/flags", summary="Flag a post for review, with a reason")
    async def flag(
        self,
        request: Request[Any, Any, Any],
        principal: Principal | None,
        post_id: str,
        data: schemas.FlagCreate,
    ) -> Response[schemas.FlagResult]:
        threshold = request.app.state.settings.flag_threshold
        return await write(
            request,
            principal,
            lambda s, v: moderation.flag_post(s, v, post_id, data.reason, threshold=threshold),
        )
