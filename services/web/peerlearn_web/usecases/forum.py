"""Reading and writing in the forum: spaces, threads, asking, answering, votes, acceptance,
flags and search, always as the signed-in person (or anonymously, for public spaces)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, parse_tags


def _token(caller: Caller | None) -> str | None:
    return caller.token if caller else None


class AskForm(msgspec.Struct, kw_only=True):
    """A new thread as the ask form sends it."""

    kind: Literal["question", "discussion", "resource"] = "question"
    title: str = ""
    body: str = ""
    tags: str = ""
    url: str = ""
    idem: str = ""


async def spaces(ups: Upstreams, caller: Caller | None) -> list[dict[str, Any]]:
    """The spaces this person may see (public ones for everyone)."""
    page: dict[str, Any] = await ups.forum.call(
        "GET", "/v1/spaces", token=_token(caller), params={"limit": 100}
    )
    return list(page.get("items") or [])


async def space_page(
    ups: Upstreams,
    caller: Caller | None,
    space_id: str,
    *,
    sort: str = "active",
    tag: str | None = None,
    cursor: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A space and one page of its threads."""
    token = _token(caller)
    space: dict[str, Any] = await ups.forum.call("GET", f"/v1/spaces/{space_id}", token=token)
    threads: dict[str, Any] = await ups.forum.call(
        "GET",
        f"/v1/spaces/{space_id}/threads",
        token=token,
        params={"sort": sort, "tag": tag, "cursor": cursor, "limit": 20},
    )
    return space, threads


async def thread_page(
    ups: Upstreams, caller: Caller | None, thread_id: str, cursor: str | None = None
) -> dict[str, Any]:
    """A thread with a page of its posts, suggested answerers and related threads (as the reader may see)."""
    thread: dict[str, Any] = await ups.forum.call(
        "GET", f"/v1/threads/{thread_id}", token=_token(caller), params={"cursor": cursor}
    )
    return thread


async def ask(ups: Upstreams, caller: Caller, space_id: str, form: AskForm) -> dict[str, Any]:
    """Post a question, discussion or resource in a space."""
    if not form.title.strip():
        raise FormInvalid({"title": "give your question a title"})
    body: dict[str, Any] = {
        "kind": form.kind,
        "title": form.title.strip(),
        "body": form.body,
        "tags": parse_tags(form.tags),
    }
    if form.kind == "resource" or form.url.strip():
        body["url"] = form.url.strip()
    created: dict[str, Any] = await ups.forum.call(
        "POST",
        f"/v1/spaces/{space_id}/threads",
        token=caller.token,
        json=body,
        idempotency_key=form.idem or None,
    )
    return created


async def answer(ups: Upstreams, caller: Caller, thread_id: str, text: str, idem: str = "") -> dict[str, Any]:
    """Post an answer (or reply) to a thread."""
    if not text.strip():
        raise FormInvalid({"body": "write your answer first"})
    post: dict[str, Any] = await ups.forum.call(
        "POST",
        f"/v1/threads/{thread_id}/posts",
        token=caller.token,
        json={"body": text},
        idempotency_key=idem or None,
    )
    return post


async def vote(
    ups: Upstreams, caller: Caller, target: Literal["threads", "posts"], target_id: str, value: int
) -> None:
    """Vote a thread or a post up (+1) or down (-1); a second vote replaces the first."""
    await ups.forum.call("POST", f"/v1/{target}/{target_id}/votes", token=caller.token, json={"value": value})


async def accept(ups: Upstreams, caller: Caller, thread_id: str, post_id: str) -> None:
    """The asker accepts an answer."""
    await ups.forum.call(
        "POST", f"/v1/threads/{thread_id}/accept", token=caller.token, json={"post_id": post_id}
    )


async def flag(ups: Upstreams, caller: Caller, post_id: str, reason: str) -> None:
    """Flag a post for the moderators, saying why."""
    if not reason.strip():
        raise FormInvalid({"reason": "say what is wrong with this post"})
    await ups.forum.call(
        "POST", f"/v1/posts/{post_id}/flags", token=caller.token, json={"reason": reason.strip()}
    )


async def search(
    ups: Upstreams, caller: Caller | None, query: str, cursor: str | None = None
) -> dict[str, Any]:
    """Threads and posts the person may see that match every word."""
    found: dict[str, Any] = await ups.forum.call(
        "GET", "/v1/search", token=_token(caller), params={"q": query, "cursor": cursor, "limit": 20}
    )
    return found


async def moderation_queue(ups: Upstreams, caller: Caller) -> list[dict[str, Any]]:
    """Hidden posts awaiting review in the spaces this person moderates."""
    page: dict[str, Any] = await ups.forum.call(
        "GET", "/v1/moderation/queue", token=caller.token, params={"limit": 100}
    )
    return list(page.get("items") or [])


async def moderate(
    ups: Upstreams, caller: Caller, post_id: str, decision: Literal["restore", "remove"]
) -> None:
    """Show a hidden post again, or take it out for good."""
    if decision == "restore":
        await ups.forum.call("POST", f"/v1/moderation/posts/{post_id}/restore", token=caller.token)
    else:
        await ups.forum.call("DELETE", f"/v1/moderation/posts/{post_id}", token=caller.token)
