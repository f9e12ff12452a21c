"""The signed-in person of a request, kept in the server-side session (the cookie holds only its id)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from peerlearn_web.domain.caller import Caller, caller_from_session


class SignInRequired(NotAuthorizedException):
    """The page needs a signed-in person; the handler sends the browser to the sign-in page."""


def current_caller(request: Request[Any, Any, Any]) -> Caller | None:
    """The signed-in person, or None (dependency ``caller``)."""
    return caller_from_session(request.session)


def required_caller(request: Request[Any, Any, Any]) -> Caller:
    """The signed-in person, or :class:`SignInRequired` (dependency ``me``)."""
    caller = caller_from_session(request.session)
    if caller is None:
        raise SignInRequired("sign in to see this page")
    return caller


def sign_in_url(request: Request[Any, Any, Any]) -> str:
    """The sign-in page that brings the person back here afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/sign-in?next=" + quote(back, safe="")


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect to another site is refused."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


SESSION_COOKIE = "peerlearn_session"


async def start_session(request: Request[Any, Any, Any], caller: Caller) -> None:
    """Put the person in a session with a new id: a session id planted or seen before sign-in
    (session fixation) names nothing afterwards."""
    # The scope's parsed cookies are shared with the session backend: without the old id
    # there, the backend makes a new one when it stores the session.
    old = request.cookies.pop(SESSION_COOKIE, None)
    if old:
        await request.app.stores.get("sessions").delete(old)
    request.clear_session()
    request.set_session(caller.as_session())


def end_session(request: Request[Any, Any, Any]) -> None:
    """Sign out: the session is deleted from the store and its cookie cleared."""
    request.clear_session()


def form_key() -> str:
    """A fresh Idempotency-Key for one rendering of a form: a double submit is applied once."""
    return secrets.token_urlsafe(16)
