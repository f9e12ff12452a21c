"""Whose inbox and settings a caller may reach: their own, and the platform admin any."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import NotFound, Unauthenticated
from peerlearn_notify.adapters.tables import DIRECTORY

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


async def owner_or_admin(session: AsyncSession, principal: Principal | None, person_id: str) -> Caller:
    """The caller when they are ``person_id`` or the platform admin.

    No credential, or the token of an erased person: :class:`Unauthenticated`. Anyone else's
    inbox does not exist for them (:class:`NotFound`).
    """
    if principal is None:
        raise Unauthenticated("sign in to see notifications")
    caller = await DIRECTORY.caller_for(session, principal)
    if caller.platform_admin:
        return caller
    if caller.person_id is None:
        raise Unauthenticated("this account no longer exists")
    if caller.person_id != person_id:
        raise NotFound(f"no person {person_id}")
    return caller
