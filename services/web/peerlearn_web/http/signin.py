"""Sign-in pages: the email form, the mailed link's page (its button's POST consumes the code, so
a mail scanner's GET does not), the org's SSO, and sign-out."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from peerlearn_web.adapters.oidc import SsoStart
from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.forms import FormInvalid, field_errors
from peerlearn_web.http.forms import form_value
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.http.session import end_session, safe_next, start_session
from peerlearn_web.settings import WebSettings
from peerlearn_web.usecases import signin


class SignInController(Controller):
    path = "/sign-in"

    @get("/", name="sign_in")
    async def form(self, request: Request[Any, Any, Any], next: str = "/") -> Template:
        """The email form (and, for orgs with SSO, the way to their provider)."""
        return page(request, "sign_in.html", next=safe_next(next))

    @post("/")
    async def send_link(self, request: Request[Any, Any, Any], ups: Upstreams) -> Template:
        """Ask profiles to mail a link; the same answer whether or not the address is known."""
        email = await form_value(request, "email")
        try:
            await signin.request_link(ups, email, forwarded_for=forwarded_for(request))
        except FormInvalid as exc:
            return page(request, "sign_in.html", status_code=400, errors=exc.fields, email=email, next="/")
        except UpstreamError as exc:
            if exc.status not in (400, 429):
                raise
            errors = field_errors(exc.detail, exc.extra, ("email",))
            return page(request, "sign_in.html", status_code=exc.status, errors=errors, email=email, next="/")
        return page(request, "sign_in_sent.html", email=email.strip())

    @get("/{code:str}")
    async def link(self, request: Request[Any, Any, Any], code: str) -> Template:
        """The mailed link's page: one button, whose POST signs in."""
        return page(request, "sign_in_code.html", code=code)

    @post("/{code:str}")
    async def verify(self, request: Request[Any, Any, Any], ups: Upstreams, code: str) -> Template | Redirect:
        """Consume the code; a used, expired or unknown one shows profiles' message."""
        try:
            caller = await signin.verify_code(ups, code, forwarded_for=forwarded_for(request))
        except UpstreamError as exc:
            if exc.status != 400:
                raise
            return page(request, "sign_in_code.html", status_code=400, code=code, problem=exc.detail)
        await start_session(request, caller)
        return see_other("/")

    @get("/sso")
    async def sso_by_form(self, org: str = "") -> Redirect:
        """The SSO form without JavaScript: ``?org=<id>`` to that org's SSO start."""
        return Redirect(
            path=f"/sign-in/sso/{quote(org.strip(), safe='')}" if org.strip() else "/sign-in", status_code=303
        )

    @get("/sso/{org_id:str}")
    async def sso(
        self, request: Request[Any, Any, Any], ups: Upstreams, settings: WebSettings, org_id: str
    ) -> Redirect:
        """Send the browser to the org's identity provider (authorization code with PKCE)."""
        started = await signin.start_sso(ups, org_id, _callback(settings, org_id))
        request.set_session({**request.session, "sso": {"org_id": org_id, **msgspec.to_builtins(started)}})
        return Redirect(path=started.authorization_url, status_code=303)

    @get("/sso/{org_id:str}/callback")
    async def sso_callback(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        settings: WebSettings,
        org_id: str,
        code: str = "",
        returned_state: Annotated[str, Parameter(query="state")] = "",
        error: str = "",
    ) -> Template | Redirect:
        """The provider sends the browser back; profiles redeems the code and verifies the ID token."""
        pending = dict(request.session.get("sso") or {})
        if error or not code or pending.get("org_id") != org_id or pending.get("state") != returned_state:
            problem = error or "this sign-in was not started here, or it was already used; start again"
            return page(request, "sign_in.html", status_code=400, problem=problem, next="/")
        pending.pop("org_id")
        started = msgspec.convert(pending, SsoStart)
        try:
            caller = await signin.finish_sso(
                ups, org_id, started, code, _callback(settings, org_id), forwarded_for=forwarded_for(request)
            )
        except UpstreamError as exc:
            if exc.status not in (400, 403):
                raise
            return page(request, "sign_in.html", status_code=exc.status, problem=exc.detail, next="/")
        await start_session(request, caller)
        return see_other("/")


def forwarded_for(request: Request[Any, Any, Any]) -> str:
    """The X-Forwarded-For chain to send upstream: what reached us, with the address we were
    called from appended (as a proxy does). Profiles believes it only from its trusted proxies,
    and takes the last address that is not one of them, so a browser's forged entries count
    for nothing; when the web service itself trusts a proxy, uvicorn has already put the
    browser's address in ``request.client``."""
    peer = request.client.host if request.client else ""
    received = ", ".join(
        value.strip() for value in request.headers.getall("x-forwarded-for", []) if value.strip()
    )
    return ", ".join(part for part in (received, peer) if part)


def _callback(settings: WebSettings, org_id: str) -> str:
    return f"{settings.public_url.rstrip('/')}/sign-in/sso/{org_id}/callback"


@post("/sign-out", name="sign_out")
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    """End the session (deleted from the store, cookie cleared)."""
    end_session(request)
    return see_other("/")
