"""Mentorships over the matcher's API: the signed-in person's list, one mentorship, the mentor's
answer, logging a session, closing with a rating, the invitation file; a cohort's programme view."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.mentorships import (
    CloseForm,
    Detail,
    Groups,
    SessionForm,
    close_body,
    detail_of,
    group_mentorships,
    session_body,
    zone,
)


async def _timezone(ups: Upstreams, caller: Caller) -> str:
    me: dict[str, Any] = await ups.profiles.call("GET", "/v1/me", token=caller.token)
    return str(me.get("timezone") or "UTC")


async def my_mentorships(ups: Upstreams, caller: Caller) -> Groups:
    """The person's mentorships (as mentee or mentor, newest first), grouped for the page."""
    listing, timezone = await asyncio.gather(
        ups.matcher.call(
            "GET",
            f"/v1/people/{caller.person_id}/mentorships",
            token=caller.token,
            params={"limit": 100},
        ),
        _timezone(ups, caller),
    )
    return group_mentorships(list(listing.get("items") or []), caller.person_id, zone(timezone))


async def mentorship(ups: Upstreams, caller: Caller, mentorship_id: str) -> Detail:
    """One mentorship as the viewer sees it (an invisible one is the matcher's 404)."""
    raw, timezone = await asyncio.gather(
        ups.matcher.call("GET", f"/v1/mentorships/{mentorship_id}", token=caller.token),
        _timezone(ups, caller),
    )
    return detail_of(raw, caller.person_id, timezone)


async def answer_request(
    ups: Upstreams, caller: Caller, mentorship_id: str, action: Literal["accept", "decline"]
) -> None:
    """The mentor accepts (both are introduced) or declines (the slot is freed)."""
    await ups.matcher.call("POST", f"/v1/mentorships/{mentorship_id}/{action}", token=caller.token)


async def log_session(ups: Upstreams, caller: Caller, mentorship_id: str, form: SessionForm) -> None:
    """Log a session; a typed time is read in the viewer's timezone."""
    body = session_body(form, await _timezone(ups, caller))
    await ups.matcher.call(
        "POST",
        f"/v1/mentorships/{mentorship_id}/sessions",
        token=caller.token,
        json=body,
        idempotency_key=form.idem or None,
    )


async def close(ups: Upstreams, caller: Caller, mentorship_id: str, form: CloseForm) -> None:
    """Close an active mentorship with a rating (and a comment)."""
    await ups.matcher.call(
        "POST",
        f"/v1/mentorships/{mentorship_id}/close",
        token=caller.token,
        json=close_body(form),
        idempotency_key=form.idem or None,
    )


async def invitation(ups: Upstreams, caller: Caller, mentorship_id: str) -> bytes:
    """The proposed first sessions as the matcher's iCalendar file."""
    body, _headers = await ups.matcher.download(
        f"/v1/mentorships/{mentorship_id}/invite.ics", token=caller.token
    )
    return body


async def cohort_programme(ups: Upstreams, caller: Caller, cohort_id: str) -> dict[str, Any]:
    """A cohort's mentorships and their tally, for the admins of its orgs (else the matcher's 404)."""
    found: dict[str, Any] = await ups.matcher.call(
        "GET", f"/v1/cohorts/{cohort_id}/mentorships", token=caller.token
    )
    return found
