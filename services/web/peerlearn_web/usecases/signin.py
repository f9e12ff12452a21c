"""Signing in and out: by a mailed link, by the org's SSO, and what the session then holds."""

from __future__ import annotations

from typing import Any

from peerlearn_web.adapters import oidc
from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid


async def request_link(ups: Upstreams, email: str, *, forwarded_for: str) -> None:
    """Ask profiles to mail a sign-in link; it answers the same whether or not the address is known.

    ``forwarded_for`` (the browser's X-Forwarded-For chain) lets profiles' per-address limit
    count the browser, not the web service."""
    email = (email or "").strip()
    if "@" not in email or len(email) > 320:
        raise FormInvalid({"email": "enter the email address you use at work, like ana@example.org"})
    await ups.profiles.call("POST", "/v1/sign-in/email", json={"email": email}, forwarded_for=forwarded_for)


async def caller_for_token(ups: Upstreams, token: str, expires_at: str = "") -> Caller:
    """The person a fresh token names, as profiles knows them now."""
    me: dict[str, Any] = await ups.profiles.call("GET", "/v1/me", token=token)
    return Caller(
        person_id=str(me["id"]),
        token=token,
        display_name=str(me.get("display_name", "")),
        org_id=str(me.get("org_id", "")),
        roles=tuple(me.get("roles") or ()),
        expires_at=expires_at,
    )


async def verify_code(ups: Upstreams, code: str, *, forwarded_for: str) -> Caller:
    """Consume a mailed code (the POST behind the link page's button) and sign its person in."""
    signed: dict[str, Any] = await ups.profiles.call(
        "POST", "/v1/sign-in/verify", json={"code": code}, forwarded_for=forwarded_for
    )
    return await caller_for_token(ups, str(signed["token"]), str(signed.get("expires_at", "")))


async def start_sso(ups: Upstreams, org_id: str, redirect_uri: str) -> oidc.SsoStart:
    """The org's provider (public part of its SSO settings in profiles), and where to send the browser."""
    sso: dict[str, Any] = await ups.profiles.call("GET", f"/v1/orgs/{org_id}/sso")
    if not sso.get("enabled", True):
        raise FormInvalid({"org": "this organisation has turned single sign-on off; use a link by email"})
    return await oidc.start_flow(str(sso["issuer"]), str(sso["client_id"]), redirect_uri)


async def finish_sso(
    ups: Upstreams,
    org_id: str,
    started: oidc.SsoStart,
    code: str,
    redirect_uri: str,
    *,
    forwarded_for: str,
) -> Caller:
    """Hand the provider's code, the PKCE verifier and the nonce to profiles: it redeems the code
    with the org's client secret (which the web service never sees), verifies the ID token and
    signs the person in."""
    signed: dict[str, Any] = await ups.profiles.call(
        "POST",
        "/v1/sign-in/oidc",
        json={
            "org_id": org_id,
            "code": code,
            "code_verifier": started.code_verifier,
            "redirect_uri": redirect_uri,
            "nonce": started.nonce,
        },
        forwarded_for=forwarded_for,
    )
    return await caller_for_token(ups, str(signed["token"]), str(signed.get("expires_at", "")))
