"""Turning a page's values into a Template response, with what every page needs."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Template

from peerlearn_web.domain.caller import Caller, caller_from_session
from peerlearn_web.http.session import form_key


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    caller: Caller | None = None,
    **context: Any,
) -> Template:
    """Render ``template`` with the caller (for the navigation), a fresh form key and ``context``."""
    # A path that matches no route is answered before the session middleware runs.
    session = request.scope.get("session")
    who = caller if caller is not None else caller_from_session(session if isinstance(session, dict) else {})
    return Template(
        template_name=template,
        context={"caller": who, "form_key": form_key(), "errors": {}, **context},
        status_code=status_code,
    )


def see_other(path: str) -> Redirect:
    """After a form's POST: the browser GETs the result (a reload does not post again)."""
    return Redirect(path=path, status_code=303)
