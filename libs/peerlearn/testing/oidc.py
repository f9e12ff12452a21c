"""A real OpenID Connect provider for tests: ``oidc-provider-mock`` served from a thread.

``oidc_provider`` (fixture) is one provider per test; :func:`start_oidc_provider` starts one for
module-scoped fixtures. :meth:`OidcProvider.id_token` runs the authorization-code flow as a
browser and a relying party would (authorize with the person's subject, exchange the code at the
token endpoint) and returns the ID token the provider signed. :meth:`OidcProvider.forged_token`
makes a token with the right claims signed by a key the provider never had.
"""

from __future__ import annotations

import secrets
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

REDIRECT_URI = "http://127.0.0.1:8000/sign-in/sso/callback"


@dataclass
class OidcProvider:
    """A running provider: its issuer URL and helpers that act as its users and clients."""

    issuer: str

    def id_token(
        self,
        email: str,
        *,
        client_id: str,
        nonce: str,
        email_verified: bool = True,
        client_secret: str = "any-secret",
        **claims: Any,
    ) -> str:
        """An ID token for the subject ``email`` (with those claims), as the provider issues it."""
        with httpx.Client(base_url=self.issuer, timeout=10) as http:
            put = http.put(
                f"/users/{quote(email, safe='')}",
                json={"email": email, "email_verified": email_verified, **claims},
            )
            assert put.status_code == 204, put.text
            authorized = http.post(
                "/oauth2/authorize",
                params={
                    "client_id": client_id,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code",
                    "scope": "openid email profile",
                    "nonce": nonce,
                    "state": secrets.token_urlsafe(8),
                },
                data={"sub": email},
            )
            assert authorized.status_code in (302, 303), authorized.text
            code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
            token = http.post(
                "/oauth2/token",
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
                auth=(client_id, client_secret),
            )
            assert token.status_code == 200, token.text
            return str(token.json()["id_token"])

    def forged_token(self, email: str, *, client_id: str, nonce: str) -> str:
        """A token claiming to come from this provider (its issuer and key id) signed by another key."""
        from joserfc import jwt
        from joserfc.jwk import RSAKey

        kid = httpx.get(f"{self.issuer}/jwks", timeout=10).json()["keys"][0].get("kid")
        key = RSAKey.generate_key(2048, parameters={"kid": kid} if kid else None)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": email,
            "aud": client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": nonce,
            "email": email,
            "email_verified": True,
        }
        header = {"alg": "RS256", **({"kid": kid} if kid else {})}
        return jwt.encode(header, claims, key)


@contextmanager
def start_oidc_provider(*, token_max_age: timedelta = timedelta(hours=1)) -> Iterator[OidcProvider]:
    """A provider on a free port of localhost; its ID tokens live ``token_max_age``."""
    with warnings.catch_warnings():
        # The package still imports authlib.jose, which Authlib deprecates in favour of joserfc.
        warnings.simplefilter("ignore")
        import oidc_provider_mock

    with oidc_provider_mock.run_server_in_thread(access_token_max_age=token_max_age) as server:
        yield OidcProvider(issuer=f"http://localhost:{server.server_port}")


@pytest.fixture
def oidc_provider() -> Iterator[OidcProvider]:
    """An OpenID provider for this test (any client id and secret are accepted)."""
    with start_oidc_provider() as provider:
        yield provider
