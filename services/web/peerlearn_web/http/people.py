"""The person's own profile editor, and the people they may see."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, field_errors, skills_text
from peerlearn_web.http.forms import read_form
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.usecases import people, profile

PROFILE_FIELDS = (
    "display_name",
    "goal",
    "bio",
    "timezone",
    "weekly_hours",
    "skills",
    "skills_have",
    "skills_want",
)


def profile_form_of(me: dict[str, Any]) -> profile.ProfileForm:
    """The editor's fields filled from a saved profile."""
    skills = list(me.get("skills") or [])
    return profile.ProfileForm(
        display_name=me.get("display_name", ""),
        goal=me.get("goal", ""),
        bio=me.get("bio", ""),
        timezone=me.get("timezone", "UTC"),
        weekly_hours=f"{me.get('weekly_hours', 0):g}",
        skills_have=skills_text(skills, wants=False),
        skills_want=skills_text(skills, wants=True),
        open_to_external="on" if me.get("open_to_external") else "",
    )


class PeopleController(Controller):
    @get("/profile", name="profile")
    async def edit(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, saved: str = ""
    ) -> Template:
        """The profile editor filled with what profiles holds."""
        mine = await profile.my_profile(ups, me)
        return page(
            request,
            "profile.html",
            form=profile_form_of(mine),
            email=mine.get("email", ""),
            saved=bool(saved),
        )

    @post("/profile")
    async def save(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template | Redirect:
        """Save the profile; each refused field gets its message beside it."""
        form = await read_form(request, profile.ProfileForm)
        try:
            await profile.save_profile(ups, me, form)
        except FormInvalid as exc:
            errors = exc.fields
        except UpstreamError as exc:
            if exc.status not in (400, 409, 422):
                raise
            errors = field_errors(exc.detail, exc.extra, PROFILE_FIELDS)
        else:
            return see_other("/profile?saved=1")
        if "skills" in errors:
            errors["skills_have"] = errors["skills_want"] = errors.pop("skills")
        return page(request, "profile.html", status_code=400, form=form, errors=errors, email="")

    @get("/people", name="people")
    async def directory(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cursor: str = ""
    ) -> Template:
        """The people of the person's org (and fellow cohort members, as cards)."""
        return page(request, "people.html", found=await people.people_of_org(ups, me, cursor or None))

    @get("/people/{person_id:str}")
    async def person(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, person_id: str
    ) -> Template:
        """One person as this viewer may see them."""
        return page(request, "person.html", person=await people.person(ups, me, person_id))
