"""``/v1/people/{id}``: a person's name and reputation in the forum."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State

from peerlearn.auth import Principal
from peerlearn_forum import people as use
from peerlearn_forum import schemas
from peerlearn_forum.routes.calls import read


class PeopleController(Controller):
    path = "/v1/people"
    tags = ["people"]

    @get("/{person_id:str}", summary="A person's display name and reputation (404 when not visible)")
    async def read(self, state: State, principal: Principal | None, person_id: str) -> schemas.PersonCard:
        return await read(state, principal, lambda s, v: use.person_card(s, v, person_id))
