"""The profiles HTTP API (DESIGN §5): thin controllers over the use-case modules."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal, authenticated
from peerlearn_profiles.access import viewer_of
from peerlearn_profiles.domain import ProfileError, Viewer
from peerlearn_profiles.routes import cohorts, imports, orgs, people, sign_in, tokens


def _profile_error(_request: Request[Any, Any, Any], exc: ProfileError) -> Response[Any]:
    return Response({"status_code": exc.status_code, "detail": exc.detail}, status_code=exc.status_code)


async def _provide_viewer(db_session: AsyncSession, principal: Principal | None) -> Viewer:
    # Only handlers behind the token guard (the router's or their own) ask for a viewer.
    assert principal is not None
    return await viewer_of(db_session, principal)


def api_router(*, import_max_bytes: int) -> Router:
    """The /v1 endpoints that need a token (those that do not are in ``sign_in.public_router``).
    Writes honour ``Idempotency-Key`` through the service kit."""
    return Router(
        path="/v1",
        route_handlers=[
            *orgs.handlers,
            *people.handlers,
            *tokens.handlers,
            *cohorts.handlers,
            *sign_in.handlers,
            imports.import_handler(import_max_bytes),
        ],
        guards=[authenticated],
        dependencies={"viewer": Provide(_provide_viewer)},
        exception_handlers={ProfileError: _profile_error},
    )


def public_router() -> Router:
    """The /v1 endpoints a caller without a token may use (signing in); a handler here that needs
    a token has the guard itself."""
    return Router(
        path="/v1",
        route_handlers=sign_in.public_handlers,
        dependencies={"viewer": Provide(_provide_viewer)},
        exception_handlers={ProfileError: _profile_error},
    )
