"""Domain errors as HTTP answers: the one place a refusal becomes a status code.

Every service's app registers :func:`domain_error_response` (the service kit does it), so a
use case raises :class:`~peerlearn.errors.NotFound` and the caller gets a 404 in the one error
format ``{"status_code", "detail", "extra"}`` whichever service answered.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from peerlearn.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, TooMany, Unauthenticated

STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooMany: 429,
}


def status_of(error: DomainError) -> int:
    """The status of ``error``: that of the nearest kind it derives from (400 for a bare one)."""
    for kind in type(error).__mro__:
        status = STATUS.get(kind)
        if status is not None:
            return status
    return 400


def domain_error_response(_request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """The error body for a refused request; 429s say when to retry, 401s how to authenticate."""
    status = status_of(exc)
    body: dict[str, Any] = {"status_code": status, "detail": exc.detail}
    if exc.extra is not None:
        body["extra"] = exc.extra
    headers: dict[str, str] = {}
    if isinstance(exc, TooMany):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    return Response(body, status_code=status, headers=headers)
