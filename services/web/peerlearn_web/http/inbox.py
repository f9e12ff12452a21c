"""The inbox pages: notifications with mark read / mark all read, the header's unread count, the
live stream relayed from notify, "not my area" for a routed question, and the mail settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage, Template

from peerlearn_web.adapters.upstreams import UpstreamDown, UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.http.forms import form_value
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.http.session import current_caller
from peerlearn_web.settings import WebSettings
from peerlearn_web.usecases import forum, inbox

DONE_NOTES = {
    "read": "Marked read.",
    "all": "Every notification is marked read.",
    "dismissed": "Dismissed. Questions like this one will come to you less often.",
    "gone": "That question is no longer routed to you; its notification is marked read.",
    "saved": "Your notification settings are saved.",
}
# Requests that render no page header: no unread count is fetched for them.
NO_HEADER = ("/static/", "/live/", "/health", "/ready", "/schema", "/home/", "/inbox/")
HOME_LATEST = 5


async def unread_in_header(request: Request[Any, Any, Any]) -> None:
    """Before a page: the signed-in person's unread count for the header (one call; None when
    notify does not answer — the page shows no count). Home fetches its own, beside its
    suggestions (:func:`header_of_home`)."""
    if request.method != "GET" or request.url.path.startswith(NO_HEADER) or request.url.path == "/":
        return
    caller = current_caller(request)
    if caller is None:
        return
    count, _latest = await inbox.unread_summary(request.app.state.upstreams, caller, 1)
    request.state.unread = count


async def header_of_home(request: Request[Any, Any, Any], ups: Upstreams, caller: Caller) -> None:
    """Home's header count and its latest unread notifications, from the same call (but routed
    questions, which home lists already, with the matcher's reasons: not twice)."""
    count, latest = await inbox.unread_summary(ups, caller, 2 * HOME_LATEST)
    request.state.unread = count
    settings: WebSettings = request.app.state.settings
    others = tuple(n for n in latest if n.kind != "question_routed")[:HOME_LATEST]
    request.state.latest_unread = inbox.on_site(others, settings.public_url)


class InboxController(Controller):
    @get("/inbox", name="inbox")
    async def index(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        me: Caller,
        settings: WebSettings,
        unread: str = "",
        cursor: str = "",
        done: str = "",
    ) -> Template:
        """The person's notifications, newest first, a page at a time."""
        shown = await inbox.inbox_page(
            ups, me, unread_only=bool(unread), cursor=cursor or None, public_url=settings.public_url
        )
        request.state.unread = shown.unread
        return page(
            request,
            "inbox.html",
            inbox=shown,
            unread_only=bool(unread),
            cursor=cursor,
            note=DONE_NOTES.get(done, ""),
            kind_labels=inbox.KIND_LABELS,
        )

    @get("/inbox/items")
    async def items(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, settings: WebSettings
    ) -> Template:
        """Only the first page's list (what the live refresh swaps in)."""
        shown = await inbox.inbox_page(
            ups, me, unread_only=False, cursor=None, public_url=settings.public_url
        )
        return page(request, "inbox_items.html", inbox=shown, kind_labels=inbox.KIND_LABELS)

    @get("/inbox/count")
    async def count(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template:
        """Only the header's unread count (what the live refresh swaps in)."""
        unread, _ = await inbox.unread_summary(ups, me, 1)
        return page(request, "inbox_count.html", unread=unread)

    @post("/inbox/read")
    async def read(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Redirect:
        """Mark one notification read (field ``id``) or all of them (field ``all``)."""
        everything = bool(await form_value(request, "all"))
        one = await form_value(request, "id")
        if not everything and not one:
            raise UpstreamError("web", 400, "say which notification to mark read")
        await inbox.mark_read(ups, me, None if everything else [one])
        back = await form_value(request, "back")
        query = "?done=all" if everything else "?done=read"
        return see_other("/inbox" + query + (f"&{back}" if back.startswith(("unread=", "cursor=")) else ""))

    @get("/live/inbox")
    async def live(self, ups: Upstreams, me: Caller) -> ServerSentEvent:
        """notify's stream of new notifications relayed as a "changed" signal (the browser has a
        cookie, not a bearer token); the page fetches the rendered parts, escaped here."""

        async def changes() -> AsyncIterator[ServerSentEventMessage]:
            if ups.notify is None:
                yield ServerSentEventMessage(event="unavailable", data="no inbox")
                return
            try:
                async with ups.notify.stream_lines(
                    f"/v1/people/{me.person_id}/notifications/stream", token=me.token
                ) as lines:
                    async for line in lines:
                        if line.startswith("event:") and line.split(":", 1)[1].strip() == "notification":
                            yield ServerSentEventMessage(event="changed", data="1")
            except (UpstreamDown, UpstreamError):
                yield ServerSentEventMessage(event="unavailable", data="the inbox is not answering")

        return ServerSentEvent(changes())

    @get("/not-my-area/{thread_id:str}")
    async def confirm_not_my_area(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, thread_id: str
    ) -> Template:
        """The page a mail's "not my area" link opens: a confirm button (a GET changes nothing,
        so a mail client fetching the link for a preview dismisses nothing)."""
        thread = await forum.thread_page(ups, me, thread_id)
        return page(request, "inbox_not_my_area.html", thread=thread, thread_id=thread_id)

    @post("/not-my-area/{thread_id:str}")
    async def not_my_area(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, thread_id: str
    ) -> Redirect:
        """Decline the routed question in the matcher and mark its notification read."""
        declined = await inbox.not_my_area(ups, me, thread_id, await form_value(request, "idem") or None)
        return see_other("/inbox?done=" + ("dismissed" if declined else "gone"))

    @get("/settings/notifications", name="notification-settings")
    async def settings_page(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, done: str = ""
    ) -> Template:
        """The mail settings: a mode per kind, quiet hours, the timezone they are in."""
        form = await inbox.notification_settings(ups, me)
        return _settings_page(request, form, {}, note=DONE_NOTES.get(done, ""))

    @post("/settings/notifications")
    async def save_settings(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller
    ) -> Template | Redirect:
        """Save the settings; what notify refuses is shown beside its field."""
        submitted = await request.form()
        kinds = {
            key[len("kind-") :]: str(value)
            for key, value in submitted.items()
            if key.startswith("kind-") and isinstance(value, str)
        }
        form = inbox.SettingsForm(
            kinds=kinds,
            timezone=str(submitted.get("timezone") or "").strip(),
            quiet_start=str(submitted.get("quiet_start") or "").strip(),
            quiet_end=str(submitted.get("quiet_end") or "").strip(),
        )
        errors = inbox.settings_errors(form)
        if not errors:
            try:
                await inbox.save_settings(ups, me, form)
            except UpstreamError as exc:
                if exc.status != 400:
                    raise
                errors = {inbox.field_of(exc.detail): exc.detail}
            else:
                return see_other("/settings/notifications?done=saved")
        return _settings_page(request, form, errors, status_code=400)


def _settings_page(
    request: Request[Any, Any, Any],
    form: inbox.SettingsForm,
    errors: dict[str, str],
    *,
    note: str = "",
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "settings_notifications.html",
        status_code=status_code,
        form=form,
        errors=errors,
        note=note,
        # The kinds notify knows (its settings list them all), so a kind it adds shows up here too.
        kinds=[
            (kind, inbox.label_of(kind), mode)
            for kind, mode in (form.kinds or dict.fromkeys(inbox.KIND_LABELS, "")).items()
        ],
        modes=inbox.MODES,
    )
