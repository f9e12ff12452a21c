"""``/v1/people/{id}``: a person's name and reputation in the forum."""

from __future__ import annotations

from litestar import Controller, get

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_forum.http import schemas
from peerlearn_forum.usecases import people as use


class PeopleController(Controller):
    path = "/v1/people"
    tags = ["people"]

    @get("/{person_id:str}", summary="A person's display name and reputation (404 when not visible)")
    async def read(self, uow: UnitOfWork, principal: Principal | None, person_id: str) -> schemas.PersonCard:
        return await use.person_card(uow, principal, person_id)
