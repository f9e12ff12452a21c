"""The routers of the profiles API (DESIGN §5): which controllers need a token, which do not.

Controllers are thin: they parse, call one use case with the unit of work (``uow``) and the
caller's principal, and return its Struct. The service kit maps the domain errors of
:mod:`peerlearn.errors` to HTTP and honours ``Idempotency-Key`` on every write.
"""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import State
from litestar.di import Provide

from peerlearn.auth import authenticated
from peerlearn_profiles.adapters.sign_in_kit import SignInKit
from peerlearn_profiles.http import cohorts, imports, orgs, people, sign_in, tokens


def _provide_sign_in(state: State) -> SignInKit:
    kit: SignInKit = state.sign_in
    return kit


DEPENDENCIES = {"sign_in_kit": Provide(_provide_sign_in, sync_to_thread=False)}


def api_router(*, import_max_bytes: int) -> Router:
    """The /v1 endpoints that need a token (those that do not are in :func:`public_router`)."""
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
        dependencies=DEPENDENCIES,
    )


def public_router() -> Router:
    """The /v1 endpoints a caller without a token may use (signing in); a handler here that needs
    a token has the guard itself."""
    return Router(path="/v1", route_handlers=sign_in.public_handlers, dependencies=DEPENDENCIES)
