"""Who is calling: JWT bearer tokens, the platform-admin credential, and Litestar guards.

Tokens are HS256 with a shared secret for now. Verification goes through a
:class:`TokenVerifier` whose key and algorithm list are data, so moving to RS256 with a
JWKS means giving it a public key and ``["RS256"]`` — no caller changes. The platform
admin is a separate opaque credential from settings, compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

ISSUER = "peerlearn"


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The caller: a person of an org with roles, or the platform admin."""

    person_id: str | None
    org_id: str | None
    roles: tuple[str, ...] = ()
    expires_at: datetime | None = None
    platform_admin: bool = False

    def is_org_admin(self, org_id: str | None) -> bool:
        """Whether the caller administers ``org_id`` (the platform admin administers all)."""
        return self.platform_admin or (
            org_id is not None and self.org_id == org_id and "org_admin" in self.roles
        )


PLATFORM_ADMIN = Principal(person_id=None, org_id=None, platform_admin=True)


class InvalidToken(ValueError):
    """The token is missing, malformed, expired, tampered with or signed with another key."""


class IssuedToken(msgspec.Struct, frozen=True):
    token: str
    expires_at: datetime


class TokenIssuer:
    """Signs tokens for people (the profiles service holds one)."""

    def __init__(self, secret: str, *, ttl: timedelta = timedelta(hours=12), algorithm: str = "HS256"):
        if len(secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")
        self._secret = secret
        self.ttl = ttl
        self.algorithm = algorithm

    def issue(self, person_id: str, org_id: str, roles: list[str] | tuple[str, ...]) -> IssuedToken:
        """A signed token for one person; expiry is ``ttl`` from now."""
        now = datetime.now(UTC).replace(microsecond=0)
        expires = now + self.ttl
        claims = {
            "iss": ISSUER,
            "sub": person_id,
            "org": org_id,
            "roles": list(roles),
            "iat": now,
            "exp": expires,
        }
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=self.algorithm), expires)


class TokenVerifier:
    """Turns a bearer credential into a :class:`Principal`, or raises :class:`InvalidToken`."""

    def __init__(
        self,
        key: str,
        *,
        admin_token: str = "",
        algorithms: tuple[str, ...] = ("HS256",),
        cache_size: int = 10_000,
    ):
        self._key = key
        self._admin_token = admin_token
        self.algorithms = list(algorithms)
        # A client sends the same token on every request; checking its signature once is enough
        # (the expiry is still checked on every use).
        self._verified: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, credential: str) -> Principal:
        if self._admin_token and hmac.compare_digest(credential.encode(), self._admin_token.encode()):
            return PLATFORM_ADMIN
        cached = self._verified.get(credential)
        if cached is not None:
            if cached.expires_at is not None and cached.expires_at > datetime.now(UTC):
                self._verified.move_to_end(credential)
                return cached
            del self._verified[credential]
        principal = self._decode(credential)
        self._verified[credential] = principal
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    def _decode(self, credential: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                credential,
                self._key,
                algorithms=self.algorithms,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired; ask for a new one") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature is not valid") from None
        except jwt.DecodeError:
            raise InvalidToken("the token is malformed") from None
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from None
        roles = claims.get("roles") or []
        if not isinstance(claims.get("org"), str) or not isinstance(roles, list):
            raise InvalidToken("the token lacks its org or roles")
        return Principal(
            person_id=str(claims["sub"]),
            org_id=claims["org"],
            roles=tuple(str(r) for r in roles),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )


def new_secret() -> str:
    """A random secret for a JWT key or an admin token."""
    return secrets.token_urlsafe(32)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to the caller's :class:`Principal`, or None when anonymous.

    Anonymous requests pass (public spaces are readable without a token); a token that
    is present but invalid is a 401, never silently anonymous.
    """

    def __init__(self, app: Any, verifier: TokenVerifier, exclude: str | list[str] | None = None) -> None:
        super().__init__(app, exclude=exclude)
        self.verifier = verifier

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if not header:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, credential = header.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotAuthorizedException("the Authorization header must be 'Bearer <token>'")
        try:
            principal = self.verifier.verify(credential.strip())
        except InvalidToken as exc:
            raise NotAuthorizedException(str(exc)) from None
        return AuthenticationResult(user=principal, auth=credential)


def bearer_auth(verifier: TokenVerifier) -> DefineMiddleware:
    """The authentication middleware for ``create_service_app``."""
    return DefineMiddleware(
        BearerAuthMiddleware, verifier=verifier, exclude=["^/schema", "^/health$", "^/ready$"]
    )


# --- guards ---------------------------------------------------------------------------


def principal_of(connection: ASGIConnection) -> Principal | None:
    """The caller, or None when anonymous."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def authenticated(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard: a valid token is required."""
    if principal_of(connection) is None:
        raise NotAuthorizedException("this endpoint needs 'Authorization: Bearer <token>'")


def platform_admin(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard: only the platform admin (403 for anyone else: the endpoint itself is no secret)."""
    authenticated(connection, handler)
    principal = principal_of(connection)
    if principal is None or not principal.platform_admin:
        raise PermissionDeniedException("only the platform admin may do this")


def org_admin(param: str = "org_id") -> Any:
    """Guard factory: the caller administers the org named by path parameter ``param``."""

    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        authenticated(connection, handler)
        principal = principal_of(connection)
        org_id = connection.path_params.get(param)
        if principal is None or not principal.is_org_admin(org_id):
            if principal is not None and principal.org_id == org_id:
                raise PermissionDeniedException("only an admin of this organisation may do this")
            # 404, not 403: a caller must not learn what another org holds.
            raise NotFoundException(f"no organisation {org_id}")

    return guard
