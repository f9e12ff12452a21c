"""Single sign-on through the web app's pages against a real OpenID provider (oidc-provider-mock):
the web sends the browser to the provider and hands the code, verifier and nonce to profiles,
which redeems the code with the org's secret. The web app runs in this process (its public URL
is the system's, so profiles accepts its callback as a page of this site)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar.testing import TestClient

from peerlearn.runner import System
from peerlearn.testing.oidc import OidcProvider

from .conftest import Api

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the provider's Authlib use


def _org_with_sso(api: Api, oidc: OidcProvider, name: str) -> str:
    org = api("profiles", "POST", "/v1/orgs", json={"name": name})
    api(
        "profiles",
        "PUT",
        f"/v1/orgs/{org['id']}/sso",
        json={
            "issuer": oidc.issuer,
            "client_id": "peerlearn-web",
            "client_secret": "s3cret-of-the-web-test",
            "allowed_domains": ["sso-web.test"],
        },
    )
    return str(org["id"])


def _come_back_from_the_provider(
    browser: TestClient[Any], oidc: OidcProvider, org_id: str, email: str
) -> str:
    """Start the SSO in the web app, sign in at the provider as ``email``: the callback path."""
    httpx.put(f"{oidc.issuer}/users/{email}", json={"email": email, "email_verified": True}, timeout=10)
    started = browser.get(f"/sign-in/sso/{org_id}")
    assert started.status_code == 303, started.text
    authorize = started.headers["location"]
    assert authorize.startswith(oidc.issuer) and "code_challenge_method=S256" in authorize
    authorized = httpx.post(authorize, data={"sub": email}, timeout=10)
    assert authorized.status_code in (302, 303), authorized.text
    back = urlsplit(authorized.headers["location"])
    return f"{back.path}?{back.query}"


@pytest.fixture
def sso_browser(system: System, new_browser: Callable[..., TestClient[Any]]) -> TestClient[Any]:
    return new_browser(PEERLEARN_PUBLIC_URL=system.env["PEERLEARN_PUBLIC_URL"])


def test_sso_through_the_pages_signs_the_person_in_and_the_code_works_once(
    api: Api, oidc_provider: OidcProvider, sso_browser: TestClient[Any], new_browser: Any, system: System
) -> None:
    org_id = _org_with_sso(api, oidc_provider, "Sso web")
    api(
        "profiles",
        "POST",
        f"/v1/orgs/{org_id}/people",
        json={"display_name": "Olga Oidc", "email": "olga@sso-web.test"},
    )
    callback = _come_back_from_the_provider(sso_browser, oidc_provider, org_id, "olga@sso-web.test")
    signed_in = sso_browser.get(callback)
    assert (signed_in.status_code, signed_in.headers.get("location")) == (303, "/"), signed_in.text
    assert "Olga Oidc" in sso_browser.get("/").text
    # The same code again (another browser that got hold of the whole callback URL): refused.
    thief = new_browser(PEERLEARN_PUBLIC_URL=system.env["PEERLEARN_PUBLIC_URL"])
    replayed = thief.get(callback)
    assert replayed.status_code == 400 and "not started here" in replayed.text


def test_sso_through_the_pages_says_when_the_email_is_no_person_of_the_org(
    api: Api, oidc_provider: OidcProvider, sso_browser: TestClient[Any]
) -> None:
    org_id = _org_with_sso(api, oidc_provider, "Sso strangers")
    callback = _come_back_from_the_provider(sso_browser, oidc_provider, org_id, "nemo@sso-web.test")
    refused = sso_browser.get(callback)
    assert refused.status_code == 403
    assert "nemo@sso-web.test is not a person of Sso strangers on peerlearn" in refused.text
    assert "s3cret-of-the-web-test" not in refused.text
    # The browser's pending sign-in still holds this code; trying it again, the provider refuses it.
    again = sso_browser.get(callback)
    assert again.status_code == 400 and "refused the authorization code" in again.text
