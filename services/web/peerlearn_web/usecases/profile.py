"""A person's own profile: read it into the editor, and save what they changed."""

from __future__ import annotations

from typing import Any

import msgspec

from peerlearn_web.adapters.upstreams import Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import parse_number, parse_skills


class ProfileForm(msgspec.Struct, kw_only=True):
    """The profile editor's fields as the browser sends them."""

    display_name: str = ""
    goal: str = ""
    bio: str = ""
    timezone: str = "UTC"
    weekly_hours: str = "0"
    skills_have: str = ""
    skills_want: str = ""
    open_to_external: str = ""
    idem: str = ""


async def my_profile(ups: Upstreams, caller: Caller) -> dict[str, Any]:
    """The signed-in person's profile, email included."""
    me: dict[str, Any] = await ups.profiles.call("GET", "/v1/me", token=caller.token)
    return me


async def save_profile(ups: Upstreams, caller: Caller, form: ProfileForm) -> dict[str, Any]:
    """Send the edited fields to profiles (skills replace the list); the saved profile."""
    have = parse_skills(form.skills_have, wants=False, field="skills_have")
    want = parse_skills(form.skills_want, wants=True, field="skills_want")
    body = {
        "display_name": form.display_name.strip(),
        "goal": form.goal.strip(),
        "bio": form.bio,
        "timezone": form.timezone.strip() or "UTC",
        "weekly_hours": parse_number(form.weekly_hours, field="weekly_hours", lowest=0, highest=168),
        "open_to_external": form.open_to_external in ("on", "true", "1", "yes"),
        "skills": [msgspec.to_builtins(s) for s in have + want],
    }
    saved: dict[str, Any] = await ups.profiles.call(
        "PUT",
        f"/v1/people/{caller.person_id}",
        token=caller.token,
        json=body,
        idempotency_key=form.idem or None,
    )
    return saved
