"""The learner's home: suggestions with their reasons and questions routed to them; feedback."""

from __future__ import annotations

from typing import Any, Literal

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.home import Home, compose_home


async def learner_home(ups: Upstreams, caller: Caller) -> Home:
    """The open suggestions of every kind, grouped for the page."""
    page: dict[str, Any] = await ups.matcher.call(
        "GET", f"/v1/people/{caller.person_id}/suggestions", token=caller.token, params={"limit": 100}
    )
    return compose_home(list(page.get("items") or []))


async def answer_suggestion(
    ups: Upstreams,
    caller: Caller,
    suggestion_id: str,
    action: Literal["accept", "decline"],
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Accept or decline one suggestion (accepting a mentor sends them a request)."""
    answer: dict[str, Any] = await ups.matcher.call(
        "POST",
        f"/v1/suggestions/{suggestion_id}/feedback",
        token=caller.token,
        json={"action": action},
        idempotency_key=idempotency_key,
    )
    return answer
