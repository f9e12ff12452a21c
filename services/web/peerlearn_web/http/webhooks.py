"""The org admin's webhooks page (``/admin/webhooks``): the org's chat and JSON webhooks with their
last deliveries; add one (a test is sent at once, a json one's secret shown this once); send a
test, disable, enable again or delete one."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, field_errors
from peerlearn_web.http.forms import read_form
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.usecases import webhooks

FIELDS = ("url", "format", "events", "unanswered_after_hours")
DONE = {
    "added": "Added. A test was sent to it: its status is below (reload to see it arrive).",
    "test": "A test was sent: its status is below.",
    "disable": "Disabled: it hears nothing until you enable it again.",
    "enable": "Enabled again.",
    "delete": "Deleted, with its deliveries.",
}
# The secret of a json webhook just made, kept in the session for the one page that shows it.
SECRET_KEY = "new_webhook_secret"


class WebhooksController(Controller):
    path = "/admin/webhooks"

    @get("/", name="admin_webhooks")
    async def show(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, done: str = ""
    ) -> Template:
        """The org's webhooks, their last deliveries and the add form."""
        secret = None
        if done == "added" and SECRET_KEY in request.session:
            kept = dict(request.session)
            secret = kept.pop(SECRET_KEY)
            request.set_session(kept)
        return page(
            request,
            "admin_webhooks.html",
            hooks=await webhooks.hooks_of(ups, me),
            form=webhooks.WebhookForm(),
            events=webhooks.EVENTS,
            done=DONE.get(done, ""),
            secret=secret,
        )

    @post("/")
    async def add(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template | Redirect:
        """Make the webhook and test it; a refused field (a private address, say) beside itself."""
        form = await read_form(request, webhooks.WebhookForm)
        try:
            secret = await webhooks.add(ups, me, form)
        except FormInvalid as exc:
            errors = exc.fields
        except UpstreamError as exc:
            if exc.status not in (400, 409):
                raise
            errors = field_errors(exc.detail, exc.extra, FIELDS) if exc.status == 400 else {"": exc.detail}
        else:
            if secret:
                request.set_session({**request.session, SECRET_KEY: secret})
            return see_other("/admin/webhooks?done=added")
        return page(
            request,
            "admin_webhooks.html",
            status_code=400,
            hooks=await webhooks.hooks_of(ups, me),
            form=form,
            events=webhooks.EVENTS,
            errors=errors,
            done="",
            secret=None,
        )

    @post("/{webhook_id:str}/{action:str}")
    async def act(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, webhook_id: str, action: str
    ) -> Redirect:
        """Test, disable, enable or delete one webhook, then the list again."""
        await webhooks.act(ups, me, webhook_id, action)
        return see_other(f"/admin/webhooks?done={action}")
