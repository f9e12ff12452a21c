"""Cohorts as an org admin runs them: create, add members, split into study groups, assign mentors."""

from __future__ import annotations

from typing import Any

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, parse_number


async def cohorts(ups: Upstreams, caller: Caller) -> list[dict[str, Any]]:
    """The cohorts the caller's org is in or invited to."""
    found: Any = await ups.profiles.call("GET", "/v1/cohorts", token=caller.token)
    items = found.get("items", []) if isinstance(found, dict) else found
    return list(items or [])


async def cohort(ups: Upstreams, caller: Caller, cohort_id: str) -> dict[str, Any]:
    """One cohort with its member orgs and the members the caller may see."""
    found: dict[str, Any] = await ups.profiles.call("GET", f"/v1/cohorts/{cohort_id}", token=caller.token)
    return found


async def create_cohort(
    ups: Upstreams, caller: Caller, name: str, topic: str, idem: str = ""
) -> dict[str, Any]:
    """Create a cohort owned by the caller's org."""
    if not name.strip():
        raise FormInvalid({"name": "give the cohort a name"})
    created: dict[str, Any] = await ups.profiles.call(
        "POST",
        "/v1/cohorts",
        token=caller.token,
        json={"name": name.strip(), "topic": topic.strip()},
        idempotency_key=idem or None,
    )
    return created


async def add_member(ups: Upstreams, caller: Caller, cohort_id: str, person_id: str) -> None:
    """Add a person of the caller's org to a cohort."""
    if not person_id.strip():
        raise FormInvalid({"person_id": "choose a person"})
    await ups.profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/members/{person_id.strip()}", token=caller.token
    )


async def study_groups(ups: Upstreams, caller: Caller, cohort_id: str, size: str) -> dict[str, Any]:
    """Split a cohort into study groups of about ``size`` people, mixed across orgs."""
    n = int(parse_number(size, field="size", lowest=2, highest=50))
    groups: dict[str, Any] = await ups.matcher.call(
        "POST", f"/v1/cohorts/{cohort_id}/groups", token=caller.token, json={"size": n}
    )
    return groups


async def mentor_assignment(ups: Upstreams, caller: Caller, cohort_id: str) -> dict[str, Any]:
    """The best assignment of the cohort's learners to mentors under their capacity."""
    pairs: dict[str, Any] = await ups.matcher.call(
        "POST", f"/v1/cohorts/{cohort_id}/mentor-assignment", token=caller.token, json={}
    )
    return pairs


async def invite_org(ups: Upstreams, caller: Caller, cohort_id: str, org_id: str) -> None:
    """The owner org's admin invites another org into the cohort."""
    if not org_id.strip():
        raise FormInvalid({"org_id": "enter the id of the organisation to invite"})
    await ups.profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/invitations", token=caller.token, json={"org_id": org_id.strip()}
    )


async def answer_invitation(ups: Upstreams, caller: Caller, cohort_id: str, accept: bool) -> None:
    """The invited org's admin joins the cohort, or declines."""
    action = "accept" if accept else "decline"
    await ups.profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/invitations/{caller.org_id}/{action}", token=caller.token
    )
