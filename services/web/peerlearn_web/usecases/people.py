"""The people a person may see, and the org admin's work on them: add, edit, import a CSV."""

from __future__ import annotations

from typing import Any

import msgspec

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, parse_number, parse_skills

ROLES = ("learner", "mentor", "expert", "org_admin")


class PersonForm(msgspec.Struct, kw_only=True):
    """An admin's add/edit person form."""

    display_name: str = ""
    email: str = ""
    roles: list[str] = []
    timezone: str = "UTC"
    weekly_hours: str = "0"
    mentor_capacity: str = "0"
    goal: str = ""
    skills_have: str = ""
    skills_want: str = ""
    idem: str = ""


async def people_of_org(ups: Upstreams, caller: Caller, cursor: str | None = None) -> dict[str, Any]:
    """A page of the caller's org's people (cards, profiles or full records as they may see)."""
    page: dict[str, Any] = await ups.profiles.call(
        "GET", f"/v1/orgs/{caller.org_id}/people", token=caller.token, params={"cursor": cursor, "limit": 50}
    )
    return page


async def person(ups: Upstreams, caller: Caller, person_id: str) -> dict[str, Any]:
    """One person as the caller may see them, with their forum reputation when visible."""
    found: dict[str, Any] = await ups.profiles.call("GET", f"/v1/people/{person_id}", token=caller.token)
    return found


def _person_body(form: PersonForm) -> dict[str, Any]:
    unknown = [r for r in form.roles if r not in ROLES]
    if unknown:
        raise FormInvalid({"roles": f"unknown role {unknown[0]!r}"})
    skills = parse_skills(form.skills_have, wants=False, field="skills_have") + parse_skills(
        form.skills_want, wants=True, field="skills_want"
    )
    return {
        "display_name": form.display_name.strip(),
        "email": form.email.strip(),
        "roles": form.roles or ["learner"],
        "timezone": form.timezone.strip() or "UTC",
        "weekly_hours": parse_number(form.weekly_hours, field="weekly_hours", lowest=0, highest=168),
        "mentor_capacity": int(
            parse_number(form.mentor_capacity, field="mentor_capacity", lowest=0, highest=100)
        ),
        "goal": form.goal.strip(),
        "skills": [msgspec.to_builtins(s) for s in skills],
    }


async def add_person(ups: Upstreams, caller: Caller, form: PersonForm) -> dict[str, Any]:
    """An org admin adds a person to their org."""
    created: dict[str, Any] = await ups.profiles.call(
        "POST",
        f"/v1/orgs/{caller.org_id}/people",
        token=caller.token,
        json=_person_body(form),
        idempotency_key=form.idem or None,
    )
    return created


async def edit_person(ups: Upstreams, caller: Caller, person_id: str, form: PersonForm) -> dict[str, Any]:
    """An org admin edits a person of their org."""
    saved: dict[str, Any] = await ups.profiles.call(
        "PUT",
        f"/v1/people/{person_id}",
        token=caller.token,
        json=_person_body(form),
        idempotency_key=form.idem or None,
    )
    return saved


async def import_people(ups: Upstreams, caller: Caller, csv: bytes) -> dict[str, Any]:
    """An org admin imports an HR CSV; the counts and the rejected rows with line numbers."""
    if not csv.strip():
        raise FormInvalid({"file": "choose a CSV file to import"})
    result: dict[str, Any] = await ups.profiles.call(
        "POST",
        f"/v1/orgs/{caller.org_id}/people:import",
        token=caller.token,
        content=csv,
        content_type="text/csv",
    )
    return result
