"""``/v1/moderation``: the review queue of hidden posts, restore and remove."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.datastructures import State

from peerlearn.auth import Principal, authenticated
from peerlearn_forum import moderation as use
from peerlearn_forum import schemas
from peerlearn_forum.routes.calls import read, run
from peerlearn_forum.routes.params import Cursor, Limit


class ModerationController(Controller):
    path = "/v1/moderation"
    tags = ["moderation"]
    guards = [authenticated]

    @get("/queue", summary="Hidden posts awaiting review in the spaces the caller moderates")
    async def queue(
        self, state: State, principal: Principal | None, cursor: Cursor = None, limit: Limit = 50
    ) -> schemas.ReviewPage:
        return await read(state, principal, lambda s, v: use.review_queue(s, v, cursor=cursor, limit=limit))

    @post(
        "/posts/{post_id:str}/restore", status_code=200, summary="Show a hidden post again, clear its flags"
    )
    async def restore(self, state: State, principal: Principal | None, post_id: str) -> schemas.Post:
        return await run(state, principal, lambda s, v: use.restore_post(s, v, post_id))

    @delete("/posts/{post_id:str}", summary="Remove a post for good")
    async def remove(self, state: State, principal: Principal | None, post_id: str) -> None:
        await run(state, principal, lambda s, v: use.remove_post(s, v, post_id))
