"""The front page: a signed-in learner's home (suggestions, routed questions), or the public
community for everyone else; accept / decline; the live refresh's event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

from litestar import Controller, Request, get, post
from litestar.response import Redirect, ServerSentEvent, ServerSentEventMessage, Template

from peerlearn_web.adapters.upstreams import UpstreamDown, UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.http.forms import form_value
from peerlearn_web.http.inbox import header_of_home
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.usecases import forum, home

FEEDBACK_NOTES = {
    "accept": "Accepted. A mentor or expert gets your request; a peer is now in your connections.",
    "decline": "Declined. You will not be suggested this person again.",
    "requested": "Accepted. A request was sent; you are both introduced once they accept it.",
}


class HomeController(Controller):
    @get("/", name="home")
    async def index(
        self, request: Request[Any, Any, Any], ups: Upstreams, caller: Caller | None, done: str = ""
    ) -> Template:
        """Home for a signed-in person, the public community for everyone else."""
        if caller is None:
            return page(request, "welcome.html", spaces=await forum.spaces(ups, None))
        # The suggestions and the header's notifications side by side: two services, one wait.
        learner, _ = await asyncio.gather(
            home.learner_home(ups, caller), header_of_home(request, ups, caller)
        )
        return page(
            request,
            "home.html",
            home=learner,
            note=FEEDBACK_NOTES.get(done, ""),
            note_link=("/mentorships", "See your mentorships") if done == "requested" else None,
        )

    @get("/home/suggestions")
    async def suggestions_part(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template:
        """Only the suggestions part of home (what the live refresh swaps in)."""
        return page(request, "_suggestions.html", home=await home.learner_home(ups, me))

    @post("/suggestions/{suggestion_id:str}/{action:str}")
    async def feedback(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, suggestion_id: str, action: str
    ) -> Redirect:
        """Accept or decline a suggestion, then back to home with what happened."""
        if action not in ("accept", "decline"):
            raise UpstreamError("web", 404, "no such action")
        choice: Literal["accept", "decline"] = "accept" if action == "accept" else "decline"
        answer = await home.answer_suggestion(
            ups, me, suggestion_id, choice, await form_value(request, "idem") or None
        )
        # Accepting a mentor or an expert sends them a request: say so and link to where it is.
        if choice == "accept" and (answer or {}).get("kind") in ("mentor", "expert"):
            return see_other("/?done=requested")
        return see_other(f"/?done={action}")

    @get("/live/suggestions")
    async def live(self, ups: Upstreams, me: Caller) -> ServerSentEvent:
        """The matcher's suggestion stream relayed (the browser has a cookie, not a bearer token).

        Only a "changed" signal is relayed: the page fetches the rendered part, so what the
        browser shows is always rendered and escaped here.
        """

        async def changes() -> AsyncIterator[ServerSentEventMessage]:
            try:
                async with ups.matcher.stream_lines(
                    f"/v1/people/{me.person_id}/suggestions/stream", token=me.token
                ) as lines:
                    async for line in lines:
                        if line.startswith("event:") and line.split(":", 1)[1].strip() == "suggestions":
                            yield ServerSentEventMessage(event="changed", data="1")
            except (UpstreamDown, UpstreamError):
                yield ServerSentEventMessage(event="unavailable", data="the matcher is not answering")

        return ServerSentEvent(changes())
