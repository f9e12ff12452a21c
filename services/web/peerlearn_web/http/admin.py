"""Org admin pages: people (list, add, edit), CSV import, cohorts (create, members, study groups,
mentor assignment), and the moderation queue."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from peerlearn_web.adapters.upstreams import UpstreamError, Upstreams
from peerlearn_web.domain.caller import Caller
from peerlearn_web.domain.forms import FormInvalid, field_errors, skills_text
from peerlearn_web.http.forms import form_value, read_form
from peerlearn_web.http.rendering import page, see_other
from peerlearn_web.usecases import cohorts, forum, people

PERSON_FIELDS = (
    "display_name",
    "email",
    "roles",
    "timezone",
    "weekly_hours",
    "mentor_capacity",
    "goal",
    "skills",
)


def _person_form(found: dict[str, Any]) -> people.PersonForm:
    skills = list(found.get("skills") or [])
    return people.PersonForm(
        display_name=found.get("display_name", ""),
        email=found.get("email") or "",
        roles=list(found.get("roles") or []),
        timezone=found.get("timezone", "UTC"),
        weekly_hours=f"{found.get('weekly_hours', 0):g}",
        mentor_capacity=str(found.get("mentor_capacity", 0)),
        goal=found.get("goal", ""),
        skills_have=skills_text(skills, wants=False),
        skills_want=skills_text(skills, wants=True),
    )


def _errors(exc: FormInvalid | UpstreamError, known: tuple[str, ...]) -> dict[str, str]:
    if isinstance(exc, FormInvalid):
        return exc.fields
    if exc.status not in (400, 409, 422):
        raise exc
    errors = field_errors(exc.detail, exc.extra, known)
    if "skills" in errors:
        errors["skills_have"] = errors.pop("skills")
    return errors


class AdminController(Controller):
    path = "/admin"

    @get("/people", name="admin_people")
    async def people_list(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cursor: str = ""
    ) -> Template:
        """The org's people, with links to edit them."""
        return page(request, "admin_people.html", found=await people.people_of_org(ups, me, cursor or None))

    @get("/people/new")
    async def new_person(self, request: Request[Any, Any, Any], me: Caller) -> Template:
        """The add-a-person form."""
        return page(request, "admin_person.html", form=people.PersonForm(), person_id="", roles=people.ROLES)

    @post("/people/new")
    async def add_person(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller
    ) -> Template | Redirect:
        """Add the person; a duplicate email or a bad field is shown beside the field."""
        form = await read_form(request, people.PersonForm)
        try:
            await people.add_person(ups, me, form)
        except (FormInvalid, UpstreamError) as exc:
            errors = _errors(exc, PERSON_FIELDS)
            if isinstance(exc, UpstreamError) and exc.status == 409:
                errors = {"email": exc.detail}
            return page(
                request,
                "admin_person.html",
                status_code=400,
                form=form,
                person_id="",
                roles=people.ROLES,
                errors=errors,
            )
        return see_other("/admin/people?added=1")

    @get("/people/{person_id:str}/edit")
    async def edit_form(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, person_id: str
    ) -> Template:
        """The edit form filled with the person's record."""
        found = await people.person(ups, me, person_id)
        return page(
            request, "admin_person.html", form=_person_form(found), person_id=person_id, roles=people.ROLES
        )

    @post("/people/{person_id:str}/edit")
    async def edit(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, person_id: str
    ) -> Template | Redirect:
        """Save the edit."""
        form = await read_form(request, people.PersonForm)
        try:
            await people.edit_person(ups, me, person_id, form)
        except (FormInvalid, UpstreamError) as exc:
            return page(
                request,
                "admin_person.html",
                status_code=400,
                form=form,
                person_id=person_id,
                roles=people.ROLES,
                errors=_errors(exc, PERSON_FIELDS),
            )
        return see_other("/admin/people?saved=1")

    @get("/import")
    async def import_form(self, request: Request[Any, Any, Any], me: Caller) -> Template:
        """The CSV import form."""
        return page(request, "admin_import.html", result=None)

    @post("/import")
    async def import_csv(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template:
        """Import the file; the counts, and each rejected row with its line number."""
        upload = (await request.form()).get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            result = await people.import_people(ups, me, data)
        except (FormInvalid, UpstreamError) as exc:
            return page(
                request, "admin_import.html", status_code=400, result=None, errors=_errors(exc, ("file",))
            )
        return page(request, "admin_import.html", result=result)

    @get("/cohorts", name="admin_cohorts")
    async def cohort_list(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template:
        """The org's cohorts and the create form."""
        return page(request, "admin_cohorts.html", cohorts=await cohorts.cohorts(ups, me))

    @post("/cohorts")
    async def create_cohort(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller
    ) -> Template | Redirect:
        """Create a cohort owned by the org."""
        name, topic = await form_value(request, "name"), await form_value(request, "topic")
        try:
            created = await cohorts.create_cohort(ups, me, name, topic, await form_value(request, "idem"))
        except (FormInvalid, UpstreamError) as exc:
            return page(
                request,
                "admin_cohorts.html",
                status_code=400,
                cohorts=await cohorts.cohorts(ups, me),
                errors=_errors(exc, ("name", "topic")),
                name=name,
                topic=topic,
            )
        return see_other(f"/admin/cohorts/{created['id']}")

    @get("/cohorts/{cohort_id:str}")
    async def cohort(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cohort_id: str
    ) -> Template:
        """A cohort: members, add a member, study groups and mentor assignment."""
        return await _cohort_page(request, ups, me, cohort_id)

    @post("/cohorts/{cohort_id:str}/members")
    async def add_member(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cohort_id: str
    ) -> Template | Redirect:
        """Add one of the org's people to the cohort."""
        try:
            await cohorts.add_member(ups, me, cohort_id, await form_value(request, "person_id"))
        except (FormInvalid, UpstreamError) as exc:
            if isinstance(exc, UpstreamError) and exc.status in (403, 404, 409):
                return await _cohort_page(
                    request, ups, me, cohort_id, status_code=400, errors={"person_id": exc.detail}
                )
            return await _cohort_page(
                request, ups, me, cohort_id, status_code=400, errors=_errors(exc, ("person_id",))
            )
        return see_other(f"/admin/cohorts/{cohort_id}")

    @post("/cohorts/{cohort_id:str}/invitations")
    async def invite(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cohort_id: str
    ) -> Template | Redirect:
        """Invite another organisation into the cohort (its admins accept on their cohorts page)."""
        try:
            await cohorts.invite_org(ups, me, cohort_id, await form_value(request, "org_id"))
        except (FormInvalid, UpstreamError) as exc:
            if isinstance(exc, UpstreamError) and exc.status in (403, 404, 409):
                return await _cohort_page(
                    request, ups, me, cohort_id, status_code=400, errors={"org_id": exc.detail}
                )
            return await _cohort_page(
                request, ups, me, cohort_id, status_code=400, errors=_errors(exc, ("org_id",))
            )
        return see_other(f"/admin/cohorts/{cohort_id}")

    @post("/cohorts/{cohort_id:str}/{answer:str}")
    async def answer_invitation(self, ups: Upstreams, me: Caller, cohort_id: str, answer: str) -> Redirect:
        """Join a cohort the org was invited to, or decline."""
        if answer not in ("join", "decline"):
            raise UpstreamError("web", 404, "no such answer")
        await cohorts.answer_invitation(ups, me, cohort_id, accept=answer == "join")
        return see_other(f"/admin/cohorts/{cohort_id}" if answer == "join" else "/admin/cohorts")

    @post("/cohorts/{cohort_id:str}/groups")
    async def groups(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cohort_id: str
    ) -> Template:
        """Split the cohort into study groups and show them."""
        try:
            found = await cohorts.study_groups(ups, me, cohort_id, await form_value(request, "size"))
        except (FormInvalid, UpstreamError) as exc:
            return await _cohort_page(
                request, ups, me, cohort_id, status_code=400, errors=_errors(exc, ("size",))
            )
        return await _cohort_page(request, ups, me, cohort_id, groups=found)

    @post("/cohorts/{cohort_id:str}/mentors")
    async def mentors(
        self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller, cohort_id: str
    ) -> Template:
        """Assign mentors to the cohort's learners and show the pairs."""
        found = await cohorts.mentor_assignment(ups, me, cohort_id)
        return await _cohort_page(request, ups, me, cohort_id, assignment=found)


async def _cohort_page(
    request: Request[Any, Any, Any],
    ups: Upstreams,
    me: Caller,
    cohort_id: str,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    found = await cohorts.cohort(ups, me, cohort_id)
    colleagues = await people.people_of_org(ups, me)
    names = {p["id"]: p.get("display_name", "") for p in colleagues.get("items", [])}
    return page(
        request,
        "admin_cohort.html",
        status_code=status_code,
        cohort=found,
        colleagues=colleagues.get("items", []),
        names=names,
        **extra,
    )


class ModerationController(Controller):
    path = "/moderation"

    @get("/", name="moderation")
    async def queue(self, request: Request[Any, Any, Any], ups: Upstreams, me: Caller) -> Template:
        """Hidden posts awaiting review, with their flags' reasons."""
        return page(request, "moderation.html", items=await forum.moderation_queue(ups, me))

    @post("/{post_id:str}/{decision:str}")
    async def decide(self, ups: Upstreams, me: Caller, post_id: str, decision: str) -> Redirect:
        """Restore or remove a hidden post."""
        if decision not in ("restore", "remove"):
            raise UpstreamError("web", 404, "no such decision")
        await forum.moderate(ups, me, post_id, "restore" if decision == "restore" else "remove")
        return see_other("/moderation")
