"""The browser's part of the OIDC authorization-code flow with PKCE against an org's provider (Authlib).

The web service only builds the authorization URL (S256 code challenge, state, nonce) and keeps
the verifier and nonce in the session until the browser comes back with a code. It never sees
the org's client secret: profiles redeems the code at the provider's token endpoint with it and
verifies the ID token itself (issuer, audience, signature, nonce, expiry) before it signs anyone
in (``POST /v1/sign-in/oidc {org_id, code, code_verifier, redirect_uri, nonce}``).
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import msgspec
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client


class SsoUnavailable(Exception):
    """The identity provider could not be reached or published no authorization endpoint."""


class SsoStart(msgspec.Struct, frozen=True, kw_only=True):
    """Where to send the browser, and what the session keeps until it comes back."""

    authorization_url: str
    state: str
    code_verifier: str
    nonce: str


async def _discover(issuer: str, timeout: float) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoUnavailable(f"the identity provider {issuer} did not answer ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("authorization_endpoint"), str):
        raise SsoUnavailable(f"the identity provider {issuer} publishes no authorization endpoint")
    return document


async def start_flow(issuer: str, client_id: str, redirect_uri: str, *, timeout: float = 10.0) -> SsoStart:
    """Discover the provider and build the authorization URL (S256 code challenge, nonce)."""
    metadata = await _discover(issuer, timeout)
    verifier = generate_token(64)  # RFC 7636: 43..128 unreserved characters
    nonce = secrets.token_urlsafe(24)
    async with AsyncOAuth2Client(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope="openid email profile",
        code_challenge_method="S256",
    ) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    return SsoStart(authorization_url=url, state=state, code_verifier=verifier, nonce=nonce)
