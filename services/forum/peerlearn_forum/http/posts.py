"""``/v1/posts/{id}``: edit, delete, vote, flag."""

from __future__ import annotations

from litestar import Controller, delete, patch, post

from peerlearn.auth import Principal, authenticated
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.http import schemas
from peerlearn_forum.settings import ForumSettings
from peerlearn_forum.usecases import moderation, posts, votes


class PostController(Controller):
    path = "/v1/posts"
    tags = ["posts"]
    guards = [authenticated]

    @patch("/{post_id:str}", status_code=200, summary="The author edits their post")
    async def edit(
        self, uow: UnitOfWork, principal: Principal | None, post_id: str, data: schemas.PostUpdate
    ) -> schemas.Post:
        return await posts.update_post(uow, principal, post_id, data)

    @delete("/{post_id:str}", summary="The author deletes their post")
    async def remove(self, uow: UnitOfWork, principal: Principal | None, post_id: str) -> None:
        await posts.delete_post(uow, principal, post_id)

    @post("/{post_id:str}/votes", status_code=200, summary="+1 or -1; a second vote replaces the first")
    async def vote(
        self, uow: UnitOfWork, principal: Principal | None, post_id: str, data: schemas.VoteCast
    ) -> schemas.VoteResult:
        return await votes.vote_post(uow, principal, post_id, data.value)

    @post("/{post_id:str}/flags", summary="Flag a post for review, with a reason")
    async def flag(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        forum_settings: ForumSettings,
        post_id: str,
        data: schemas.FlagCreate,
    ) -> schemas.FlagResult:
        return await moderation.flag_post(
            uow, principal, post_id, data.reason, threshold=forum_settings.flag_threshold
        )
