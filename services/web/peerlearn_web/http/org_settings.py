"""The org admin's settings pages: single sign-on with the org's OpenID provider."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, field_errors
from peerlearn_web.http.forms import read_form
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.settings import WebSettings
from peerlearn_web.usecases import sso

SSO_FIELDS = ("issuer", "client_id", "client_secret", "allowed_domains")


class OrgSettingsController(Controller):
    path = "/admin/sso"

    @get("/", name="admin_sso")
    async def show(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        me: Caller,
        settings: WebSettings,
        saved: str = "",
    ) -> Template:
        """The SSO form, filled with what is set (never the secret) and the sign-in address to hand out."""
        found = await sso.current(ups, me) or {}
        form = sso.SsoForm(
            issuer=found.get("issuer", ""),
            client_id=found.get("client_id", ""),
            enabled="on" if found.get("enabled", True) else "",
        )
        return page(
            request,
            "admin_sso.html",
            form=form,
            configured=bool(found),
            saved=bool(saved),
            sign_in_url=f"{settings.public_url.rstrip('/')}/sign-in/sso/{me.org_id}",
        )

    @post("/")
    async def save(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, settings: WebSettings
    ) -> Template | Redirect:
        """Save the provider; a refused field is shown beside itself."""
        form = await read_form(request, sso.SsoForm)
        try:
            await sso.save(ups, me, form)
        except FormInvalid as exc:
            errors = exc.fields
        except UpstreamError as exc:
            if exc.status not in (400, 403, 422):
                raise
            errors = field_errors(exc.detail, exc.extra, SSO_FIELDS)
        else:
            return see_other("/admin/sso?saved=1")
        form.client_secret = ""
        return page(
            request,
            "admin_sso.html",
            status_code=400,
            form=form,
            configured=False,
            saved=False,
            errors=errors,
            sign_in_url=f"{settings.public_url.rstrip('/')}/sign-in/sso/{me.org_id}",
        )
