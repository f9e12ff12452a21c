"""Errors a person can act on: a 404 page, "session expired, sign in again", "<service> is not
answering", the upstream's own message when it refused something — never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect

from peerlearn_web.adapters.oidc import SsoUnavailable
from peerlearn_web.adapters.upstreams import UpstreamDown, UpstreamError
from peerlearn_web.domain.forms import FormInvalid
from peerlearn_web.http.rendering import page
from peerlearn_web.http.session import SignInRequired, end_session, sign_in_url

log = logging.getLogger("peerlearn.web")


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything that does not exist, or that this person may not see."""
    return page(
        request,
        "error.html",
        status_code=404,
        title="Not found",
        message="There is nothing here, or it is not yours to see.",
        hint="home",
    )


def sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """A page that needs a signed-in person: to the sign-in page, and back afterwards."""
    return Redirect(path=sign_in_url(request), status_code=303)


def upstream_refused(request: Request[Any, Any, Any], exc: UpstreamError) -> Response[Any]:
    """An upstream's 4xx outside a form: its meaning for the person, in its own words."""
    if exc.status == 404:
        return not_found(request, exc)
    if exc.status == 401:
        end_session(request)
        return page(
            request,
            "error.html",
            status_code=401,
            caller=None,
            title="Session expired",
            message="Your session has expired. Sign in again to go on.",
            hint="sign-in",
        )
    if exc.status == 403:
        return page(
            request, "error.html", status_code=403, title="Not allowed", message=exc.detail, hint="back"
        )
    if exc.status == 429:
        return page(
            request,
            "error.html",
            status_code=429,
            title="Slow down",
            message=f"{exc.service} says: {exc.detail}. Wait a minute and try again.",
            hint="back",
        )
    return page(
        request,
        "error.html",
        status_code=exc.status if exc.status < 500 else 400,
        title="That did not work",
        message=exc.detail,
        hint="back",
    )


def upstream_down(request: Request[Any, Any, Any], exc: UpstreamDown | SsoUnavailable) -> Response[Any]:
    """A service that does not answer: which one, and that trying again later may help."""
    service = getattr(exc, "service", "the identity provider")
    log.warning("upstream down on %s %s: %s", request.method, request.url.path, exc)
    return page(
        request,
        "error.html",
        status_code=503,
        title=f"{service.capitalize()} is not answering",
        message=f"The {service} service is not answering right now ({getattr(exc, 'reason', exc)}). "
        "Try again in a moment.",
        hint="retry",
    )


def form_invalid(request: Request[Any, Any, Any], exc: FormInvalid) -> Response[Any]:
    """A form a controller did not re-render itself: the messages on an error page."""
    return page(
        request,
        "error.html",
        status_code=400,
        title="Please check what you entered",
        message="; ".join(exc.fields.values()),
        hint="back",
    )


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals (bad form data, CSRF, method) as pages."""
    if isinstance(exc, NotFoundException) or exc.status_code == 404:
        return not_found(request, exc)
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return page(
            request,
            "error.html",
            status_code=403,
            title="This form has expired",
            message="The page was open too long or came from elsewhere. Go back, reload it and "
            "send it again.",
            hint="back",
        )
    status = exc.status_code if 400 <= exc.status_code < 500 else 500
    message = exc.detail if status < 500 else "Something went wrong on our side."
    return page(
        request, "error.html", status_code=status, title="That did not work", message=message, hint="back"
    )


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug: logged with its stack, shown to the person as an apology without one."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return page(
        request,
        "error.html",
        status_code=500,
        title="Something went wrong",
        message="Something went wrong on our side; it has been logged.",
        hint="home",
    )


HANDLERS: dict[Any, Any] = {
    SignInRequired: sign_in_required,
    UpstreamError: upstream_refused,
    UpstreamDown: upstream_down,
    SsoUnavailable: upstream_down,
    FormInvalid: form_invalid,
    HTTPException: http_error,
    Exception: internal_error,
}
