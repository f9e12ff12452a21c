"""``/v1/moderation``: the review queue of hidden posts, restore and remove."""

from __future__ import annotations

from litestar import Controller, delete, get, post

from peerlearn.auth import Principal, authenticated
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.http import schemas
from peerlearn_forum.http.params import Cursor, Limit
from peerlearn_forum.usecases import moderation as use


class ModerationController(Controller):
    path = "/v1/moderation"
    tags = ["moderation"]
    guards = [authenticated]

    @get("/queue", summary="Hidden posts awaiting review in the spaces the caller moderates")
    async def queue(
        self, uow: UnitOfWork, principal: Principal | None, cursor: Cursor = None, limit: Limit = 50
    ) -> schemas.ReviewPage:
        return await use.review_queue(uow, principal, cursor=cursor, limit=limit)

    @post(
        "/posts/{post_id:str}/restore", status_code=200, summary="Show a hidden post again, clear its flags"
    )
    async def restore(self, uow: UnitOfWork, principal: Principal | None, post_id: str) -> schemas.Post:
        return await use.restore_post(uow, principal, post_id)

    @delete("/posts/{post_id:str}", summary="Remove a post for good")
    async def remove(self, uow: UnitOfWork, principal: Principal | None, post_id: str) -> None:
        await use.remove_post(uow, principal, post_id)
