"""Forum pages: spaces, a space's threads, a thread (answers, votes, acceptance, flags, related
threads and suggested answerers), asking, and search."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from peerlearn_web.adapters.markdown import render
from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, field_errors
from peerlearn_web.http.forms import form_value, read_form
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.usecases import forum

ASK_FIELDS = ("kind", "title", "body", "tags", "url")
SORTS = ("active", "new", "top")


def _refusal_on_form(exc: UpstreamError) -> bool:
    return exc.status in (400, 409, 422, 429)


class ForumController(Controller):
    @get("/spaces", name="spaces")
    async def spaces(
        self, request: Request[Any, Any, Any], ups: Upstreams, caller: Caller | None
    ) -> Template:
        """The spaces this person may see."""
        return page(request, "spaces.html", spaces=await forum.spaces(ups, caller))

    @get("/spaces/{space_id:str}")
    async def space(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        caller: Caller | None,
        space_id: str,
        sort: str = "active",
        tag: str = "",
        cursor: str = "",
    ) -> Template:
        """A space's threads, sorted and filtered by tag."""
        sort = sort if sort in SORTS else "active"
        space, threads = await forum.space_page(
            ups, caller, space_id, sort=sort, tag=tag or None, cursor=cursor or None
        )
        return page(request, "space.html", space=space, threads=threads, sort=sort, tag=tag)

    @get("/spaces/{space_id:str}/ask")
    async def ask_form(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, space_id: str
    ) -> Template:
        """The ask / share form."""
        space, _ = await forum.space_page(ups, me, space_id)
        return page(request, "ask.html", space=space, form=forum.AskForm())

    @post("/spaces/{space_id:str}/ask")
    async def ask(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, space_id: str
    ) -> Template | Redirect:
        """Post the thread; refused fields are shown beside themselves."""
        form = await read_form(request, forum.AskForm)
        try:
            created = await forum.ask(ups, me, space_id, form)
        except FormInvalid as exc:
            errors = exc.fields
        except UpstreamError as exc:
            if not _refusal_on_form(exc):
                raise
            errors = field_errors(exc.detail, exc.extra, ASK_FIELDS)
        else:
            return see_other(f"/threads/{created['id']}")
        space, _ = await forum.space_page(ups, me, space_id)
        return page(request, "ask.html", status_code=400, space=space, form=form, errors=errors)

    @get("/threads/{thread_id:str}")
    async def thread(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        caller: Caller | None,
        thread_id: str,
        cursor: str = "",
    ) -> Template:
        """A thread with its answers, rendered from Markdown and sanitised here."""
        return _thread_page(request, caller, await forum.thread_page(ups, caller, thread_id, cursor or None))

    @post("/threads/{thread_id:str}/answer")
    async def answer(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, thread_id: str
    ) -> Template | Redirect:
        """Post an answer; an empty or refused one is shown beside the answer box."""
        text = await form_value(request, "body")
        try:
            await forum.answer(ups, me, thread_id, text, await form_value(request, "idem"))
        except FormInvalid as exc:
            errors = exc.fields
        except UpstreamError as exc:
            if not _refusal_on_form(exc):
                raise
            errors = field_errors(exc.detail, exc.extra, ("body",))
        else:
            return see_other(f"/threads/{thread_id}#answers")
        thread = await forum.thread_page(ups, me, thread_id)
        return _thread_page(request, me, thread, status_code=400, errors=errors, draft=text)

    @post("/threads/{thread_id:str}/vote")
    async def vote_thread(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, thread_id: str
    ) -> Redirect:
        """Vote the question up or down."""
        await forum.vote(ups, me, "threads", thread_id, _vote_value(await form_value(request, "value")))
        return see_other(f"/threads/{thread_id}")

    @post("/posts/{post_id:str}/vote")
    async def vote_post(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, post_id: str
    ) -> Redirect:
        """Vote an answer up or down."""
        await forum.vote(ups, me, "posts", post_id, _vote_value(await form_value(request, "value")))
        return see_other(f"/threads/{await form_value(request, 'thread_id')}#post-{post_id}")

    @post("/threads/{thread_id:str}/accept")
    async def accept(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, thread_id: str
    ) -> Redirect:
        """The asker accepts an answer."""
        post_id = await form_value(request, "post_id")
        await forum.accept(ups, me, thread_id, post_id)
        return see_other(f"/threads/{thread_id}#post-{post_id}")

    @post("/posts/{post_id:str}/flag")
    async def flag(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, post_id: str
    ) -> Redirect:
        """Flag an answer for the moderators."""
        await forum.flag(ups, me, post_id, await form_value(request, "reason"))
        return see_other(f"/threads/{await form_value(request, 'thread_id')}?flagged=1")

    @get("/search", name="search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        ups: Upstreams,
        caller: Caller | None,
        q: str = "",
        cursor: str = "",
    ) -> Template:
        """Search what this person may see."""
        found: dict[str, Any] = {"items": [], "next_cursor": None}
        problem = ""
        if q.strip():
            try:
                found = await forum.search(ups, caller, q, cursor or None)
            except UpstreamError as exc:
                if exc.status != 400:
                    raise
                problem = exc.detail
        return page(request, "search.html", q=q, found=found, problem=problem)


def _vote_value(raw: str) -> int:
    if raw not in ("1", "-1"):
        raise FormInvalid({"value": "a vote is up (1) or down (-1)"})
    return int(raw)


def _thread_page(
    request: Request[Any, Any, Any],
    caller: Caller | None,
    thread: dict[str, Any],
    *,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    thread["body_rendered"] = render(thread.get("body", ""))
    for item in thread.get("posts") or []:
        item["body_rendered"] = render(item.get("body", ""))
    asker = bool(caller and (thread.get("author") or {}).get("id") == caller.person_id)
    return page(
        request,
        "thread.html",
        status_code=status_code,
        caller=caller,
        thread=thread,
        asker=asker,
        flagged=request.query_params.get("flagged") == "1",
        **extra,
    )
