"""Who is looking at a page: nobody, or a signed-in person with the token profiles gave them."""

from __future__ import annotations

from typing import Any

import msgspec


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in person as the session remembers them.

    Roles and org are what profiles said at sign-in; they decide only which links a page
    shows. The upstream services decide what the person may do, on every call.
    """

    person_id: str
    token: str
    display_name: str = ""
    org_id: str = ""
    roles: tuple[str, ...] = ()
    expires_at: str = ""

    @property
    def is_org_admin(self) -> bool:
        """Whether the admin pages are worth linking for this person."""
        return "org_admin" in self.roles

    def as_session(self) -> dict[str, Any]:
        """What the server-side session keeps (the cookie holds only the session id)."""
        return {"caller": msgspec.to_builtins(self)}


def caller_from_session(session: dict[str, Any]) -> Caller | None:
    """The caller a session names, or None when nobody is signed in (or the data is unusable)."""
    raw = session.get("caller") if session else None
    if not isinstance(raw, dict):
        return None
    try:
        return msgspec.convert(raw, Caller)
    except msgspec.ValidationError:
        return None
