"""``/v1/unsubscribe/{token}``: GET says what the link does, POST (one click, RFC 8058) does it."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK

from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.http import schemas
from peerlearn_notify.usecases import unsubscribe


class UnsubscribeController(Controller):
    path = "/v1/unsubscribe/{token:str}"
    tags = ["unsubscribe"]

    @get("/", summary="What this unsubscribe link turns off (changes nothing)")
    async def describe(self, uow: UnitOfWork, unsubscribe_secret: str, token: str) -> schemas.Unsubscription:
        _person, kind = await unsubscribe.describe(uow, unsubscribe_secret, token)
        return schemas.Unsubscription(
            kind=kind, done=False, detail="POST to this address to stop these mails"
        )

    @post("/", status_code=HTTP_200_OK, summary="Unsubscribe in one click (no sign-in)")
    async def confirm(self, uow: UnitOfWork, unsubscribe_secret: str, token: str) -> schemas.Unsubscription:
        _person, kind = await unsubscribe.unsubscribe(uow, unsubscribe_secret, token)
        return schemas.Unsubscription(kind=kind, done=True, detail=f"mails about {kind} are off")
