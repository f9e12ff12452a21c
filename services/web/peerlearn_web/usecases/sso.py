"""An org's single sign-on settings, as its admin sets them (the secret is never shown again)."""

from __future__ import annotations

from typing import Any

import msgspec

from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid


class SsoForm(msgspec.Struct, kw_only=True):
    """The SSO settings form."""

    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    allowed_domains: str = ""
    enabled: str = ""


async def current(ups: Upstreams, caller: Caller) -> dict[str, Any] | None:
    """The org's SSO settings without the secret, or None when none are set."""
    try:
        found: dict[str, Any] = await ups.profiles.call("GET", f"/v1/orgs/{caller.org_id}/sso")
    except UpstreamError as exc:
        if exc.status == 404:
            return None
        raise
    return found


async def save(ups: Upstreams, caller: Caller, form: SsoForm) -> dict[str, Any]:
    """Set the org's provider; the client secret is sealed by profiles."""
    domains = [d.strip().lower() for d in form.allowed_domains.replace(",", " ").split() if d.strip()]
    if not domains:
        raise FormInvalid({"allowed_domains": "name at least one email domain, like example.org"})
    saved: dict[str, Any] = await ups.profiles.call(
        "PUT",
        f"/v1/orgs/{caller.org_id}/sso",
        token=caller.token,
        json={
            "issuer": form.issuer.strip(),
            "client_id": form.client_id.strip(),
            "client_secret": form.client_secret,
            "allowed_domains": domains,
            "enabled": form.enabled in ("on", "true", "1"),
        },
    )
    return saved
