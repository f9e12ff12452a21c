"""Mentorship pages: the signed-in person's list, one mentorship (introduction, invitation,
sessions, the "log a session" and "close" forms) and the mentor's answer to a request.

The matcher decides who may see and do what; a mentorship it hides is this site's 404 page,
and a refusal (403, 409) is shown beside the form that caused it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, field_errors
from peerlearn_web.domain.mentorships import RATING_LABELS, CloseForm, SessionForm
from peerlearn_web.http.forms import read_form
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.usecases import mentorships

SESSION_FIELDS = ("at", "minutes", "topics", "notes")
CLOSE_FIELDS = ("rating", "comment")
DONE_NOTES = {
    "accepted": "You accepted: you are both introduced. Pick a first session below.",
    "declined": "You declined the request; the learner is told and your slot is free again.",
    "logged": "Session logged.",
    "closed": "Mentorship closed. Thank you for the rating.",
}
SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def _refusal(exc: FormInvalid | UpstreamError, known: tuple[str, ...], form: str) -> dict[str, str]:
    """Messages by field; what concerns no field goes to the top of ``form``."""
    if isinstance(exc, FormInvalid):
        return exc.fields
    if exc.status in (401, 404) or exc.status >= 500:
        raise exc
    errors = field_errors(exc.detail, exc.extra, known)
    if "" in errors:
        errors[form] = errors.pop("")
    return errors


class MentorshipsController(Controller):
    path = "/mentorships"

    @get("/", name="mentorships")
    async def index(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, done: str = ""
    ) -> Template:
        """Requests to answer, my requests waiting, active and closed mentorships."""
        return page(
            request,
            "mentorships.html",
            groups=await mentorships.my_mentorships(ups, me),
            note=DONE_NOTES.get(done, ""),
        )

    @post("/{mentorship_id:str}/{action:str}")
    async def answer(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, mentorship_id: str, action: str
    ) -> Template | Redirect:
        """The mentor's answer to a request; a refusal is shown on the list."""
        if action not in ("accept", "decline"):
            raise UpstreamError("web", 404, "no such action")
        choice: Literal["accept", "decline"] = "accept" if action == "accept" else "decline"
        try:
            await mentorships.answer_request(ups, me, mentorship_id, choice)
        except UpstreamError as exc:
            if exc.status in (401, 404) or exc.status >= 500:
                raise
            return page(
                request,
                "mentorships.html",
                status_code=exc.status,
                groups=await mentorships.my_mentorships(ups, me),
                refusal=exc.detail,
            )
        if choice == "accept":
            return see_other(f"/mentorships/{mentorship_id}?done=accepted")
        return see_other("/mentorships?done=declined")

    @get("/{mentorship_id:str}")
    async def one(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, mentorship_id: str, done: str = ""
    ) -> Template:
        """The introduction, the invitation, the sessions and the two forms."""
        return await _detail_page(request, ups, me, mentorship_id, note=DONE_NOTES.get(done, ""))

    @get("/{mentorship_id:str}/invite.ics", media_type="text/calendar")
    async def invite(self, ups: Upstreams, me: Caller, mentorship_id: str) -> Response[bytes]:
        """The matcher's iCalendar invitation, downloaded as a file."""
        body = await mentorships.invitation(ups, me, mentorship_id)
        name = SAFE_ID.sub("", mentorship_id)[:64] or "invite"
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mentorship-{name}.ics"'},
        )

    @post("/{mentorship_id:str}/sessions")
    async def log_session(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, mentorship_id: str
    ) -> Template | Redirect:
        """Log a session; errors beside their field, the form kept as typed."""
        form = await read_form(request, SessionForm)
        try:
            await mentorships.log_session(ups, me, mentorship_id, form)
        except (FormInvalid, UpstreamError) as exc:
            errors = _refusal(exc, SESSION_FIELDS, "session")
            return await _detail_page(
                request, ups, me, mentorship_id, status_code=400, errors=errors, session=form
            )
        return see_other(f"/mentorships/{mentorship_id}?done=logged")

    @post("/{mentorship_id:str}/close")
    async def close(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, mentorship_id: str
    ) -> Template | Redirect:
        """Close with a rating; errors beside their field."""
        form = await read_form(request, CloseForm)
        try:
            await mentorships.close(ups, me, mentorship_id, form)
        except (FormInvalid, UpstreamError) as exc:
            errors = _refusal(exc, CLOSE_FIELDS, "close")
            return await _detail_page(
                request, ups, me, mentorship_id, status_code=400, errors=errors, closing=form
            )
        return see_other(f"/mentorships/{mentorship_id}?done=closed")


async def _detail_page(
    request: Request[Any, Any, Any],
    ups: Upstreams,
    me: Caller,
    mentorship_id: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    detail = await mentorships.mentorship(ups, me, mentorship_id)
    context.setdefault("session", SessionForm())
    context.setdefault("closing", CloseForm())
    return page(
        request,
        "mentorship.html",
        status_code=status_code,
        m=detail,
        ratings=RATING_LABELS,
        **context,
    )


class ProgrammeController(Controller):
    path = "/admin/cohorts"

    @get("/{cohort_id:str}/mentorships")
    async def programme(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cohort_id: str
    ) -> Template:
        """A cohort's mentorships for its admins: a tally per status, sessions, never met, mean rating."""
        found = await mentorships.cohort_programme(ups, me, cohort_id)
        return page(request, "mentorship_programme.html", programme=found, cohort_id=cohort_id)
