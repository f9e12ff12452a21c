"""Redeeming an authorization code at an org's OpenID provider (outbound HTTP: discovery, token).

The web service runs the browser's part of the authorization-code flow with PKCE; the code,
its PKCE verifier and the redirect URI come here because only profiles holds the org's client
secret (sealed at rest). The provider's ``token_endpoint`` is found through
``<issuer>/.well-known/openid-configuration`` (kept for :attr:`CodeExchanger.keep_seconds`) and
the code is exchanged with ``client_secret_basic`` (RFC 6749 §2.3.1: id and secret
form-encoded, then Basic). What the provider answers is named in the refusal; the secret never
is: it goes only into the Authorization header of the one request to the token endpoint.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx

from peerlearn.errors import Invalid
from peerlearn_profiles.adapters.id_tokens import ProviderUnavailable

# Errors of the token endpoint (RFC 6749 §5.2) that mean the code, verifier or redirect URI
# the caller sent are wrong; any other error is the org's configuration or the provider.
CALLER_ERRORS = {"invalid_grant", "invalid_request"}
DESCRIPTION_LIMIT = 200


class CodeExchanger:
    """Exchanges codes for ID tokens; one per process, sharing the ID-token checker's HTTP pool."""

    def __init__(self, http: httpx.AsyncClient, *, keep_seconds: float = 600.0) -> None:
        self.http = http
        self.keep_seconds = keep_seconds
        self._endpoints: dict[str, tuple[float, str]] = {}

    async def id_token(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        code: str,
        code_verifier: str,
        redirect_uri: str,
    ) -> str:
        """The ID token the provider gives for ``code``; :class:`Invalid` when it refuses the code,
        :class:`ProviderUnavailable` (502) when it cannot be asked or refuses our client."""
        endpoint = await self._token_endpoint(issuer)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
        }
        credentials = httpx.BasicAuth(quote(client_id, safe=""), quote(client_secret, safe=""))
        try:
            response = await self.http.post(
                endpoint, data=form, auth=credentials, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                f"the provider at {issuer} did not answer the code exchange ({type(exc).__name__})"
            ) from None
        body = _json_object(response)
        if response.status_code != 200:
            raise _refusal(issuer, response.status_code, body)
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise ProviderUnavailable(
                f"the provider at {issuer} sent no ID token for the code (was the 'openid' scope asked?)"
            )
        return id_token

    async def _token_endpoint(self, issuer: str) -> str:
        kept = self._endpoints.get(issuer)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                f"could not read the discovery document of the provider at {issuer}: {exc}"
            ) from None
        endpoint = _json_object(response).get("token_endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            raise ProviderUnavailable(f"the provider at {issuer} publishes no token_endpoint")
        self._endpoints[issuer] = (time.monotonic() + self.keep_seconds, endpoint)
        return endpoint


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refusal(issuer: str, status: int, body: dict[str, Any]) -> Exception:
    error = str(body.get("error") or f"HTTP {status}")[:60]
    description = str(body.get("error_description") or "")[:DESCRIPTION_LIMIT]
    said = f"{error}: {description}" if description else error
    if error in CALLER_ERRORS:
        return Invalid(
            f"the provider refused the authorization code ({said}); it may be used already, "
            "expired, or not match the code verifier or redirect URI: start the sign-in again"
        )
    if error == "invalid_client" or status == 401:
        return ProviderUnavailable(
            f"the provider at {issuer} refused this organisation's client ({said}); "
            "an org admin should check the SSO client id and secret"
        )
    return ProviderUnavailable(f"the provider at {issuer} refused the code exchange ({said})")
