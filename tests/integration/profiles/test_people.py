"""People: create, read, edit, erase — happy paths, bad input, and the events each publishes."""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn import events

pytestmark = pytest.mark.asyncio(loop_scope="module")

SKILLS = [
    {"name": "  Machine   Learning ", "level": 2, "wants": True},
    {"name": "Python", "level": 4},
]


async def test_an_org_admin_adds_a_person_and_the_event_carries_the_whole_profile(profiles: Any) -> None:
    org_id = await profiles.org("Northwind")
    admin = await profiles.person(org_id, roles=["org_admin"])
    admin_token = await profiles.token(admin["id"])
    body = {
        "display_name": "  Grace Hopper ",
        "email": "Grace@Northwind.example",
        "roles": ["learner", "mentor"],
        "bio": "Compilers.",
        "goal": "Learn machine learning",
        "timezone": "Europe/Berlin",
        "weekly_hours": 3.5,
        "mentor_capacity": 2,
        "open_to_external": True,
        "skills": SKILLS,
    }
    await profiles.sentinel()  # every earlier event is in; what follows is this request's
    mark = profiles.tap.mark()
    created = (
        await profiles.call("POST", f"/v1/orgs/{org_id}/people", admin_token, json=body, expect=201)
    ).json()
    assert created["display_name"] == "Grace Hopper"
    assert created["email"] == "Grace@Northwind.example"
    assert created["skills"] == [
        {"name": "Machine Learning", "level": 2, "wants": True},
        {"name": "Python", "level": 4, "wants": False},
    ]
    end = await profiles.sentinel()
    assert [e.type for e in profiles.tap.events[mark:end]] == [events.PERSON_UPSERTED]
    event = profiles.tap.events[mark]
    assert event.org_id == org_id and event.actor_id == admin["id"]
    person = event.data.person
    assert person == events.PersonProfile(
        id=created["id"],
        org_id=org_id,
        display_name="Grace Hopper",
        roles=["learner", "mentor"],
        bio="Compilers.",
        goal="Learn machine learning",
        timezone="Europe/Berlin",
        weekly_hours=3.5,
        mentor_capacity=2,
        open_to_external=True,
        skills=[
            events.Skill(name="Machine Learning", level=2, wants=True),
            events.Skill(name="Python", level=4),
        ],
        cohort_ids=[],
    )
    assert b"Grace@Northwind" not in events.encode(event)  # the email never leaves the service


async def test_reading_a_person_shows_email_only_to_themselves_and_admins(profiles: Any) -> None:
    org_id = await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    learner = await profiles.person(org_id, email="me@x.example")
    colleague = await profiles.person(org_id)
    path = f"/v1/people/{learner['id']}"
    for token, email in (
        (await profiles.token(learner["id"]), "me@x.example"),
        (await profiles.token(admin["id"]), "me@x.example"),
        (await profiles.token(colleague["id"]), None),
    ):
        seen = (await profiles.call("GET", path, token, expect=200)).json()
        assert seen.get("email") == email
        assert seen["display_name"] == "Ada Lovelace"


async def test_a_person_edits_their_own_profile_and_a_new_event_follows(profiles: Any) -> None:
    org_id = await profiles.org()
    me = await profiles.person(org_id, skills=[{"name": "SQL", "level": 2}])
    token = await profiles.token(me["id"])
    change = {
        "goal": "Become a data engineer",
        "timezone": "America/New_York",
        "skills": [{"name": "sql", "level": 3}],
    }
    published = await profiles.events_of(
        profiles.call("PUT", f"/v1/people/{me['id']}", token, json=change, expect=200)
    )
    assert [e.type for e in published] == [events.PERSON_UPSERTED]
    person = published[0].data.person
    assert (person.goal, person.timezone, person.skills) == (
        "Become a data engineer",
        "America/New_York",
        [events.Skill(name="sql", level=3)],
    )
    again = await profiles.events_of(
        profiles.call("PUT", f"/v1/people/{me['id']}", token, json=change, expect=200)
    )
    assert again == []  # nothing changed, nothing published
    shown = (await profiles.call("GET", f"/v1/people/{me['id']}", token, expect=200)).json()
    assert shown["goal"] == "Become a data engineer" and shown["bio"] == ""


async def test_a_learner_cannot_change_their_own_roles(profiles: Any) -> None:
    org_id = await profiles.org()
    me = await profiles.person(org_id)
    token = await profiles.token(me["id"])
    response = await profiles.call(
        "PUT", f"/v1/people/{me['id']}", token, json={"roles": ["org_admin"]}, expect=403
    )
    assert "roles" in response.json()["detail"]
    # Sending the roles they already have is no change, so it is fine.
    await profiles.call("PUT", f"/v1/people/{me['id']}", token, json={"roles": ["learner"]}, expect=200)
    mentor = await profiles.person(org_id, roles=["learner", "mentor"])
    token = await profiles.token(mentor["id"])
    await profiles.call(
        "PUT", f"/v1/people/{mentor['id']}", token, json={"roles": ["mentor", "learner"]}, expect=200
    )


async def test_erasing_a_person_removes_them_and_publishes_person_deleted(profiles: Any) -> None:
    org_id = await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    admin_token = await profiles.token(admin["id"])
    cohort_id = await profiles.cohort(admin_token)
    gone = await profiles.person(org_id, skills=SKILLS)
    await profiles.add(cohort_id, gone["id"], admin_token)
    published = await profiles.events_of(
        profiles.call("DELETE", f"/v1/people/{gone['id']}", admin_token, expect=204)
    )
    assert [(e.type, e.org_id, e.actor_id) for e in published] == [
        (events.PERSON_DELETED, org_id, admin["id"])
    ]
    assert published[0].data == events.PersonDeleted(person_id=gone["id"], org_id=org_id)
    await profiles.call("GET", f"/v1/people/{gone['id']}", expect=404)
    cohort = (await profiles.call("GET", f"/v1/cohorts/{cohort_id}", expect=200)).json()
    assert gone["id"] not in cohort["member_person_ids"]
    # The email is free again: the person is gone, not hidden.
    await profiles.person(org_id, email=gone["email"])


async def test_a_person_may_erase_themselves(profiles: Any) -> None:
    org_id = await profiles.org()
    me = await profiles.person(org_id)
    token = await profiles.token(me["id"])
    await profiles.call("DELETE", f"/v1/people/{me['id']}", token, expect=204)
    gone = await profiles.call("GET", f"/v1/people/{me['id']}", expect=404)
    assert me["email"] not in gone.text
    assert (await profiles.call("GET", "/v1/me", token)).status_code == 401


BAD_PEOPLE = [
    ({"display_name": "Nul\u0000", "email": "a@x.example"}, 400, "display_name"),
    ({"display_name": "A", "email": "a\u0000@x.example"}, 400, "email"),
    ({"display_name": "A", "email": "a@x.example", "goal": "g\u0000"}, 400, "goal"),
    (
        {"display_name": "A", "email": "a@x.example", "skills": [{"name": "G\u0000o", "level": 1}]},
        400,
        "name",
    ),
    ({"display_name": "A", "email": "a@x.example", "nickname": "x"}, 400, "nickname"),
    ({"display_name": "A", "email": "a@x.example", "weekly_hours": "many"}, 400, "weekly_hours"),
    ({"display_name": "A", "email": "not-an-email"}, 400, "email"),
    ({"display_name": "", "email": "a@x.example"}, 400, "display_name"),
    ({"display_name": "   ", "email": "a@x.example"}, 400, "display_name"),
    ({"display_name": "A" * 121, "email": "a@x.example"}, 400, "display_name"),
    ({"display_name": "A", "email": "a@x.example", "bio": "b" * 2001}, 400, "bio"),
    ({"display_name": "A", "email": "a@x.example", "goal": "g" * 301}, 400, "goal"),
    ({"display_name": "A", "email": "a@x.example", "timezone": "Mars/Olympus"}, 400, "Mars/Olympus"),
    ({"display_name": "A", "email": "a@x.example", "roles": ["wizard"]}, 400, "roles"),
    ({"display_name": "A", "email": "a@x.example", "skills": [{"name": "Go", "level": 6}]}, 400, "level"),
    ({"display_name": "A", "email": "a@x.example", "skills": [{"name": "Go", "level": 0}]}, 400, "level"),
    ({"display_name": "A", "email": "a@x.example", "skills": [{"name": "x" * 61, "level": 1}]}, 400, "name"),
    (
        {
            "display_name": "A",
            "email": "a@x.example",
            "skills": [{"name": f"s{i}", "level": 1} for i in range(51)],
        },
        400,
        "skills",
    ),
    (
        {
            "display_name": "A",
            "email": "a@x.example",
            "skills": [{"name": "SQL", "level": 1}, {"name": " sql", "level": 2}],
        },
        400,
        "twice",
    ),
    ({"display_name": "A", "email": "a@x.example", "skills": [{"name": "Go", "level": 1, "x": 1}]}, 400, "x"),
]


@pytest.mark.parametrize(("body", "status", "named"), BAD_PEOPLE)
async def test_bad_input_answers_4xx_naming_the_problem_and_publishes_nothing(
    profiles: Any, body: dict[str, Any], status: int, named: str
) -> None:
    org_id = await profiles.org()
    before = (await profiles.call("GET", f"/v1/orgs/{org_id}/people", expect=200)).json()["items"]
    published = await profiles.events_of(
        profiles.call("POST", f"/v1/orgs/{org_id}/people", json=body, expect=status)
    )
    assert published == []
    response = await profiles.call("POST", f"/v1/orgs/{org_id}/people", json=body)
    assert named in response.text
    assert (await profiles.call("GET", f"/v1/orgs/{org_id}/people", expect=200)).json()["items"] == before


async def test_a_duplicate_email_in_the_org_is_409_whatever_its_case(profiles: Any) -> None:
    org_id = await profiles.org()
    await profiles.person(org_id, email="Sam@Example.org")
    published = await profiles.events_of(
        profiles.call(
            "POST",
            f"/v1/orgs/{org_id}/people",
            json={"display_name": "Sam", "email": "sam@example.ORG"},
            expect=409,
        )
    )
    assert published == []
    # Another org may have the same email.
    await profiles.person(await profiles.org(), email="sam@example.org")


async def test_changing_email_to_a_colleagues_is_409(profiles: Any) -> None:
    org_id = await profiles.org()
    await profiles.person(org_id, email="taken@example.org")
    me = await profiles.person(org_id)
    clash = await profiles.call(
        "PUT", f"/v1/people/{me['id']}", json={"email": "TAKEN@example.org"}, expect=409
    )
    assert clash.json()["detail"]
    unchanged = await profiles.call("GET", f"/v1/people/{me['id']}", expect=200)
    assert unchanged.json()["email"] == me["email"]


async def test_bad_updates_change_nothing(profiles: Any) -> None:
    org_id = await profiles.org()
    me = await profiles.person(org_id, goal="Ship it")
    for body in (
        {"timezone": "Nowhere/Land"},
        {"skills": [{"name": "a", "level": 9}]},
        {"unknown": 1},
        {"goal": 5},
    ):
        published = await profiles.events_of(
            profiles.call("PUT", f"/v1/people/{me['id']}", json=body, expect=400)
        )
        assert published == []
    shown = (await profiles.call("GET", f"/v1/people/{me['id']}", expect=200)).json()
    assert (shown["goal"], shown["timezone"]) == ("Ship it", "UTC")


async def test_unknown_org_and_person_are_404(profiles: Any) -> None:
    missing = await profiles.call("GET", "/v1/people/nope", expect=404)
    assert missing.json()["status_code"] == 404 and missing.json()["detail"]
    await profiles.call("GET", "/v1/people/%00", expect=404)
    await profiles.call("GET", "/v1/orgs/%00/people", expect=404)
    await profiles.call("GET", "/v1/cohorts/%00", expect=404)
    await profiles.call(
        "POST", "/v1/orgs/nope/people", json={"display_name": "A", "email": "a@x.example"}, expect=404
    )
    await profiles.call("GET", "/v1/people/nope", expect=404)
    await profiles.call("PUT", "/v1/people/nope", json={"goal": "x"}, expect=404)
    await profiles.call("DELETE", "/v1/people/nope", expect=404)


async def test_me_is_the_callers_own_profile_with_email(profiles: Any) -> None:
    org_id = await profiles.org()
    me = await profiles.person(org_id, email="self@me.example", goal="Know myself")
    shown = (await profiles.call("GET", "/v1/me", await profiles.token(me["id"]), expect=200)).json()
    assert (shown["id"], shown["email"], shown["goal"]) == (me["id"], "self@me.example", "Know myself")
    assert "platform admin" in (await profiles.call("GET", "/v1/me", expect=404)).json()["detail"]
    await profiles.call("GET", "/v1/me", None, expect=401)
