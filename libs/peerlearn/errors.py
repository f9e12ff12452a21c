"""The domain's words for a refused request, shared by every service.

A use case raises one of these; it never knows about HTTP. The service kit maps each
kind to a status once, for every service (:mod:`peerlearn.http_errors`):

- :class:`Invalid`: the request is malformed or breaks a rule (the detail says which);
- :class:`Unauthenticated`: who is calling cannot be established (no or a dead credential);
- :class:`Forbidden`: the caller may see the thing, but not do this to it;
- :class:`NotFound`: the thing does not exist *or the caller may not see it*;
- :class:`Conflict`: the request clashes with the current state (a duplicate, a race);
- :class:`TooMany`: the caller is over a limit; ``retry_after`` says when to come back.

``extra`` carries structured detail for the caller (for example the rejected rows of an
import); it is returned as the error body's ``extra``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the rules refuse. ``detail`` is shown to the caller as written."""

    def __init__(self, detail: str, *, extra: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Invalid(DomainError):
    """The request is malformed or breaks a rule."""


class Unauthenticated(DomainError):
    """The caller cannot be identified (no credential, or one that no longer names anyone)."""


class Forbidden(DomainError):
    """The caller may see the thing but may not do this to it."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not see it (the two are never told apart)."""


class Conflict(DomainError):
    """The request clashes with the current state."""


class TooMany(DomainError):
    """The caller is over a limit; ``retry_after`` is in whole seconds."""

    def __init__(self, detail: str, *, retry_after: int, extra: Any = None) -> None:
        super().__init__(detail, extra=extra)
        self.retry_after = retry_after
