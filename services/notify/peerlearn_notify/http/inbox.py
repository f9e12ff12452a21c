"""``/v1/people/{id}/notifications``: the inbox, marking read, and the live stream (thin)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK

from peerlearn.auth import Principal
from peerlearn.errors import DomainError
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.inbox import LastSeen
from peerlearn_notify.http import schemas
from peerlearn_notify.http.stream_slots import StreamSlots
from peerlearn_notify.usecases import inbox

Cursor = Annotated[str | None, Parameter(pattern="^[0-9a-f]{28}$", required=False)]


class InboxController(Controller):
    path = "/v1/people/{person_id:str}/notifications"
    tags = ["inbox"]

    @get("/", summary="A person's notifications, newest first (only theirs; others 404)")
    async def list(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        person_id: str,
        last_seen: LastSeen,
        unread: bool = False,
        cursor: Cursor = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> schemas.NotificationPage:
        page = await inbox.list_notifications(
            uow, principal, person_id, unread=unread, cursor=cursor, limit=limit, seen=last_seen
        )
        return schemas.NotificationPage(
            person_id=person_id,
            items=[schemas.notification(row) for row in page.items],
            next_cursor=page.next_cursor,
            unread=page.unread,
        )

    @post("/read", status_code=HTTP_200_OK, summary="Mark notifications read: {ids} or {all: true}")
    async def read(
        self, uow: UnitOfWork, principal: Principal | None, person_id: str, data: schemas.MarkRead
    ) -> schemas.Marked:
        marked = await inbox.mark_read(uow, principal, person_id, data.ids, data.all)
        return schemas.Marked(marked=marked)

    @get("/stream", summary="New notifications as they come (server-sent events `notification`)")
    async def stream(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        person_id: str,
        stream_slots: StreamSlots,
        notify_poll_seconds: float,
        last_seen: LastSeen,
    ) -> ServerSentEvent:
        after = await inbox.opening(uow, principal, person_id, last_seen)
        stream_slots.take(person_id)

        async def arriving() -> AsyncIterator[ServerSentEventMessage]:
            nonlocal after
            # An open stream is a person looking: renewed well within the activity window.
            renew_every = max(1.0, last_seen.window.total_seconds() / 3)
            renewed = asyncio.get_running_loop().time()
            with stream_slots.held(person_id):
                yield ServerSentEventMessage(event="ready", data="{}")
                while True:
                    if asyncio.get_running_loop().time() - renewed >= renew_every:
                        await inbox.looked(last_seen, principal, person_id)
                        renewed = asyncio.get_running_loop().time()
                    try:
                        rows = await inbox.arrived(uow, principal, person_id, after)
                    except DomainError:
                        return  # erased meanwhile: the stream ends
                    for row in rows:
                        after = row.id
                        body = msgspec.json.encode(schemas.notification(row)).decode()
                        yield ServerSentEventMessage(event="notification", data=body, id=row.id)
                    await asyncio.sleep(notify_poll_seconds)

        return ServerSentEvent(arriving())
