"""A person's inbox: pages of notifications, marking them read, the new ones for the stream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from peerlearn.auth import Principal
from peerlearn.errors import Invalid
from peerlearn.loop_reads import reading
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters import inbox
from peerlearn_notify.adapters.inbox import LastSeen
from peerlearn_notify.usecases.access import owner_or_admin


@dataclass(frozen=True)
class Page:
    """One page of an inbox, newest first."""

    items: Sequence[Any]
    next_cursor: str | None
    unread: int


async def list_notifications(
    uow: UnitOfWork,
    principal: Principal | None,
    person_id: str,
    *,
    unread: bool,
    cursor: str | None,
    limit: int,
    seen: LastSeen | None = None,
) -> Page:
    """The person's notifications older than ``cursor`` (only unread ones when ``unread``);
    the person reading their own inbox counts as active (no immediate mail for a while).

    Every page of the web asks this for its header's count, so it reads in the loop's thread
    on a SQLite file (``peerlearn.loop_reads``)."""
    async with reading(uow) as session:
        await owner_or_admin(session, principal, person_id)
        rows = await inbox.page(session, person_id, unread=unread, before=cursor, limit=limit + 1)
        count = await inbox.unread_count(session, person_id)
    await looked(seen, principal, person_id)
    more = len(rows) > limit
    shown = rows[:limit]
    return Page(items=shown, next_cursor=shown[-1].id if more else None, unread=count)


async def mark_read(
    uow: UnitOfWork, principal: Principal | None, person_id: str, ids: list[str] | None, everything: bool
) -> int:
    """Mark ``ids`` (or, with ``everything``, all) of the person's notifications read; how many changed."""
    if everything == (ids is not None):
        raise Invalid("send either ids (a list) or all: true")
    if ids is not None and not 1 <= len(ids) <= 500:
        raise Invalid("ids must list 1 to 500 notifications")
    async with uow.writing() as tx:
        await owner_or_admin(tx.session, principal, person_id)
        return await inbox.mark_read(tx.session, person_id, None if everything else ids, datetime.now(UTC))


async def opening(
    uow: UnitOfWork, principal: Principal | None, person_id: str, seen: LastSeen | None = None
) -> str:
    """Check the caller may follow the inbox; the id the stream starts after (the newest now)."""
    async with uow.reading() as tx:
        await owner_or_admin(tx.session, principal, person_id)
        newest = await inbox.newest_id(tx.session, person_id)
    await looked(seen, principal, person_id)
    return newest


async def looked(seen: LastSeen | None, principal: Principal | None, person_id: str) -> None:
    """Remember the person looked at their own inbox (an admin looking is not the person)."""
    if seen is not None and principal is not None and principal.person_id == person_id:
        await seen.saw(person_id)


async def arrived(uow: UnitOfWork, principal: Principal | None, person_id: str, after: str) -> Sequence[Any]:
    """Notifications added after ``after``; raises when the caller may no longer follow (erased)."""
    async with uow.reading() as tx:
        await owner_or_admin(tx.session, principal, person_id)
        return await inbox.newer_than(tx.session, person_id, after)
