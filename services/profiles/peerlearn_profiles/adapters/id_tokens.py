"""Checking an OpenID Connect ID token against its issuer (outbound HTTP: discovery and JWKS).

The issuer's keys are found through ``<issuer>/.well-known/openid-configuration`` and its
``jwks_uri`` (httpx), and kept for :attr:`IdTokenChecker.keep_seconds`; a token whose key is
not among them, or whose signature fails, makes one fresh fetch (the provider rotated its keys),
at most every :data:`REFETCH_SECONDS` per issuer. The token is verified
with joserfc (the JOSE library of the Authlib project; ``authlib.jose`` is deprecated in its
favour): signature, ``iss``, ``aud`` = client id, ``exp``, and ``nonce``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import httpx
from joserfc import errors, jwt
from joserfc.jwk import KeySet
from litestar.exceptions import HTTPException

from peerlearn.errors import Invalid

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
LEEWAY_SECONDS = 60
REFETCH_SECONDS = 5.0


class ProviderUnavailable(HTTPException):
    """The identity provider could not be asked for its keys: a bad gateway, not the caller's fault
    (``peerlearn.errors`` has no kind for an upstream that is down)."""

    status_code = 502


class IdTokenChecker:
    """Verifies ID tokens; one per process, sharing one pooled HTTP client."""

    def __init__(self, http: httpx.AsyncClient | None = None, *, keep_seconds: float = 600.0) -> None:
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False)
        self.keep_seconds = keep_seconds
        self._keys: dict[str, tuple[float, KeySet]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._refetched: dict[str, float] = {}

    async def close(self) -> None:
        await self.http.aclose()

    async def verify(self, id_token: str, *, issuer: str, client_id: str, nonce: str) -> Mapping[str, Any]:
        """The token's claims once every check passed; :class:`Invalid` saying which one failed."""
        try:
            token = self._decode(id_token, await self._key_set(issuer, fresh=False))
        except (errors.BadSignatureError, errors.InvalidKeyIdError):
            # Perhaps the provider rotated its keys since we fetched them: ask once more.
            try:
                token = self._decode(id_token, await self._key_set(issuer, fresh=True))
            except errors.BadSignatureError:
                raise Invalid("the ID token's signature does not match the provider's keys") from None
            except errors.InvalidKeyIdError:
                raise Invalid("the ID token is signed with a key the provider does not publish") from None
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except errors.ExpiredTokenError:
            raise Invalid("the ID token has expired; sign in with the provider again") from None
        except errors.MissingClaimError as exc:
            raise Invalid(f"the ID token lacks the {exc.claim!r} claim") from None
        except errors.InvalidClaimError as exc:
            raise Invalid(_claim_refusal(exc.claim, claims, issuer, client_id)) from None
        except errors.JoseError as exc:
            raise Invalid(f"the ID token is not valid: {exc.description or exc.error}") from None
        return claims

    @staticmethod
    def _decode(id_token: str, keys: KeySet) -> jwt.Token:
        try:
            return jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except (errors.BadSignatureError, errors.InvalidKeyIdError):
            raise
        except (errors.JoseError, ValueError):
            raise Invalid("the ID token is malformed (not a JWT signed with an asymmetric key)") from None

    async def _key_set(self, issuer: str, *, fresh: bool) -> KeySet:
        kept = self._keys.get(issuer)
        if kept is not None and not fresh and kept[0] > time.monotonic():
            return kept[1]
        lock = self._locks.setdefault(issuer, asyncio.Lock())
        async with lock:
            kept, now = self._keys.get(issuer), time.monotonic()
            if kept is not None and kept[0] > now:
                # Another request fetched while this one waited (use theirs); and a fresh fetch at
                # most every REFETCH_SECONDS, so forged tokens cannot make us ask on every request.
                if not fresh or now - self._refetched.get(issuer, -REFETCH_SECONDS) < REFETCH_SECONDS:
                    return kept[1]
                self._refetched[issuer] = now
            keys = await self._fetch(issuer)
            self._keys[issuer] = (time.monotonic() + self.keep_seconds, keys)
            return keys

    async def _fetch(self, issuer: str) -> KeySet:
        discovery_url = f"{issuer}/.well-known/openid-configuration"
        try:
            discovery = await self._json(discovery_url)
            if discovery.get("issuer", "").rstrip("/") != issuer:
                raise Invalid(
                    f"the provider at {issuer} names itself {discovery.get('issuer')!r}; "
                    "the organisation's SSO issuer must be exactly the provider's issuer"
                )
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise ProviderUnavailable(f"the provider at {issuer} publishes no jwks_uri")
            return KeySet.import_key_set(await self._json(jwks_uri))  # type: ignore[arg-type]
        except (httpx.HTTPError, ValueError, errors.JoseError) as exc:
            raise ProviderUnavailable(f"could not read the keys of the provider at {issuer}: {exc}") from None

    async def _json(self, url: str) -> dict[str, Any]:
        response = await self.http.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError(f"{url} did not answer a JSON object")
        return body


def _claim_refusal(claim: str, claims: Mapping[str, Any], issuer: str, client_id: str) -> str:
    if claim == "iss":
        return (
            f"the ID token was issued by {claims.get('iss')!r}, not by this organisation's provider {issuer}"
        )
    if claim == "aud":
        return f"the ID token is for client {claims.get('aud')!r}, not for this organisation's {client_id!r}"
    if claim == "nonce":
        return "the ID token's nonce does not match this sign-in (start the sign-in again)"
    return f"the ID token's {claim!r} claim is not valid"
