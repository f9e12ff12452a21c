"""The OIDC authorization-code flow with PKCE against an org's identity provider (Authlib).

The web service only runs the browser's part of the flow and exchanges the code for an ID
token; profiles verifies that token itself (issuer, audience, signature, nonce, expiry)
before it signs anyone in, so nothing here is trusted on its own.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import msgspec
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client


class SsoUnavailable(Exception):
    """The identity provider could not be reached or refused the exchange."""


class SsoStart(msgspec.Struct, frozen=True, kw_only=True):
    """Where to send the browser, and what the session keeps until it comes back."""

    authorization_url: str
    state: str
    code_verifier: str
    nonce: str
    token_endpoint: str
    client_id: str


async def _discover(issuer: str, timeout: float) -> dict[str, Any]:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoUnavailable(f"the identity provider {issuer} did not answer ({exc})") from None


async def start_flow(issuer: str, client_id: str, redirect_uri: str, *, timeout: float = 10.0) -> SsoStart:
    """Discover the provider and build the authorization URL (S256 code challenge, nonce)."""
    metadata = await _discover(issuer, timeout)
    verifier = generate_token(64)
    nonce = secrets.token_urlsafe(24)
    async with AsyncOAuth2Client(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope="openid email profile",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    ) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    return SsoStart(
        authorization_url=url,
        state=state,
        code_verifier=verifier,
        nonce=nonce,
        token_endpoint=metadata["token_endpoint"],
        client_id=client_id,
    )


async def finish_flow(start: SsoStart, code: str, redirect_uri: str, *, timeout: float = 10.0) -> str:
    """Exchange the code (with the PKCE verifier) for the provider's ID token."""
    async with AsyncOAuth2Client(
        client_id=start.client_id,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        timeout=timeout,
    ) as client:
        try:
            token = await client.fetch_token(
                start.token_endpoint, code=code, code_verifier=start.code_verifier
            )
        except Exception as exc:  # Authlib raises its own OAuthError or httpx errors
            raise SsoUnavailable(f"the identity provider refused the sign-in ({exc})") from None
    id_token = token.get("id_token")
    if not id_token:
        raise SsoUnavailable("the identity provider sent no ID token")
    return str(id_token)
