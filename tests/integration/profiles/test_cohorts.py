"""Cohorts across organisations: the whole flow and the exact events each step publishes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from peerlearn import events

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _two_orgs(profiles: Any) -> dict[str, Any]:
    a, b = await profiles.org("Owner Co"), await profiles.org("Partner Co")
    a_admin, b_admin = (
        await profiles.person(a, roles=["org_admin"]),
        await profiles.person(b, roles=["org_admin"]),
    )
    return {
        "a": a,
        "b": b,
        "a_admin": a_admin["id"],
        "b_admin": b_admin["id"],
        "a_token": await profiles.token(a_admin["id"]),
        "b_token": await profiles.token(b_admin["id"]),
    }


async def test_cohort_flow_create_invite_accept_add_remove_leave(profiles: Any) -> None:
    w = await _two_orgs(profiles)
    a_person, b_person = await profiles.person(w["a"]), await profiles.person(w["b"])
    body = {"name": "Data 101", "topic": "SQL and pandas", "starts_on": "2027-01-10", "ends_on": "2027-03-01"}

    published = await profiles.events_of(
        profiles.call("POST", "/v1/cohorts", w["a_token"], json=body, expect=201)
    )
    assert [e.type for e in published] == [events.COHORT_CREATED]
    created = published[0]
    cohort_id = created.data.cohort_id
    assert (created.org_id, created.actor_id) == (w["a"], w["a_admin"])
    assert created.data == events.CohortCreated(
        cohort_id=cohort_id,
        name="Data 101",
        owner_org_id=w["a"],
        topic="SQL and pandas",
        member_org_ids=[w["a"]],
        starts_on=date(2027, 1, 10),
        ends_on=date(2027, 3, 1),
    )

    invite = profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/invitations", w["a_token"], json={"org_id": w["b"]}, expect=201
    )
    assert await profiles.events_of(invite) == []  # an invitation alone changes nothing others track
    seen_by_b = (await profiles.call("GET", f"/v1/cohorts/{cohort_id}", w["b_token"], expect=200)).json()
    assert seen_by_b["invited_org_ids"] == [w["b"]] and seen_by_b["member_org_ids"] == [w["a"]]

    # B cannot add its people before it accepted.
    await profiles.call("POST", f"/v1/cohorts/{cohort_id}/members/{b_person['id']}", w["b_token"], expect=409)
    accept = profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/invitations/{w['b']}/accept", w["b_token"], expect=200
    )
    published = await profiles.events_of(accept)
    assert [(e.type, e.org_id, e.actor_id) for e in published] == [
        (events.COHORT_ORG_JOINED, w["b"], w["b_admin"])
    ]
    assert published[0].data == events.CohortOrgJoined(cohort_id=cohort_id, org_id=w["b"])
    again = profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/invitations/{w['b']}/accept", w["b_token"], expect=200
    )
    assert await profiles.events_of(again) == []

    add = profiles.call("POST", f"/v1/cohorts/{cohort_id}/members/{b_person['id']}", w["b_token"], expect=201)
    published = await profiles.events_of(add)
    assert [e.type for e in published] == [events.COHORT_MEMBER_ADDED, events.PERSON_UPSERTED]
    assert published[0].data == events.CohortMemberAdded(
        cohort_id=cohort_id, person_id=b_person["id"], org_id=w["b"]
    )
    assert published[1].data.person.cohort_ids == [cohort_id]
    re_add = profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/members/{b_person['id']}", w["b_token"], expect=200
    )
    assert await profiles.events_of(re_add) == []
    await profiles.add(cohort_id, a_person["id"], w["a_token"])

    # Nobody adds a person of another org — not even the owner's admin, who sees them as a cohort mate.
    await profiles.add(cohort_id, w["a_admin"], w["a_token"])
    await profiles.call(
        "DELETE", f"/v1/cohorts/{cohort_id}/members/{b_person['id']}", w["a_token"], expect=403
    )
    await profiles.call("POST", f"/v1/cohorts/{cohort_id}/members/{b_person['id']}", w["a_token"], expect=403)
    cohort = (await profiles.call("GET", f"/v1/cohorts/{cohort_id}", expect=200)).json()
    assert sorted(cohort["member_person_ids"]) == sorted([a_person["id"], b_person["id"], w["a_admin"]])
    assert cohort["member_org_ids"] == sorted([w["a"], w["b"]])

    remove = profiles.call(
        "DELETE", f"/v1/cohorts/{cohort_id}/members/{a_person['id']}", w["a_token"], expect=204
    )
    published = await profiles.events_of(remove)
    assert [e.type for e in published] == [events.COHORT_MEMBER_REMOVED, events.PERSON_UPSERTED]
    assert published[1].data.person.cohort_ids == []

    leave = profiles.call("DELETE", f"/v1/cohorts/{cohort_id}/orgs/{w['b']}", w["b_token"], expect=204)
    published = await profiles.events_of(leave)
    assert [e.type for e in published] == [
        events.COHORT_ORG_LEFT,
        events.COHORT_MEMBER_REMOVED,
        events.PERSON_UPSERTED,
    ]
    assert published[0].data == events.CohortOrgLeft(cohort_id=cohort_id, org_id=w["b"])
    assert published[1].data == events.CohortMemberRemoved(
        cohort_id=cohort_id, person_id=b_person["id"], org_id=w["b"]
    )
    await profiles.call("GET", f"/v1/cohorts/{cohort_id}", w["b_token"], expect=404)
    shown = (await profiles.call("GET", f"/v1/people/{b_person['id']}", expect=200)).json()
    assert shown["cohort_ids"] == []


async def test_declining_an_invitation_keeps_the_org_out(profiles: Any) -> None:
    w = await _two_orgs(profiles)
    cohort_id = await profiles.cohort(w["a_token"])
    await profiles.call("POST", f"/v1/cohorts/{cohort_id}/invitations", w["a_token"], json={"org_id": w["b"]})
    decline = profiles.call(
        "POST", f"/v1/cohorts/{cohort_id}/invitations/{w['b']}/decline", w["b_token"], expect=200
    )
    assert await profiles.events_of(decline) == []
    await profiles.call("GET", f"/v1/cohorts/{cohort_id}", w["b_token"], expect=404)
    await profiles.call("POST", f"/v1/cohorts/{cohort_id}/invitations/{w['b']}/accept", expect=409)


async def test_the_owner_cannot_leave_its_own_cohort(profiles: Any) -> None:
    w = await _two_orgs(profiles)
    cohort_id = await profiles.cohort(w["a_token"])
    response = await profiles.call(
        "DELETE", f"/v1/cohorts/{cohort_id}/orgs/{w['a']}", w["a_token"], expect=409
    )
    assert "owner" in response.json()["detail"]


async def test_inviting_a_member_org_again_is_409(profiles: Any) -> None:
    w = await _two_orgs(profiles)
    cohort_id = await profiles.cohort(w["a_token"])
    await profiles.join(cohort_id, w["b"], w["a_token"], w["b_token"])
    path = f"/v1/cohorts/{cohort_id}/invitations"
    again = await profiles.call("POST", path, w["a_token"], json={"org_id": w["b"]}, expect=409)
    assert again.json()["detail"]
    cohort = await profiles.call("GET", f"/v1/cohorts/{cohort_id}", w["a_token"], expect=200)
    assert sorted(cohort.json()["member_org_ids"]) == sorted([w["a"], w["b"]])


BAD_COHORTS = [
    ({}, 400, "name"),
    ({"name": ""}, 400, "name"),
    ({"name": "x" * 121}, 400, "name"),
    ({"name": "ok", "colour": "red"}, 400, "colour"),
    ({"name": "ok", "starts_on": "tomorrow"}, 400, "starts_on"),
    ({"name": "ok", "starts_on": "2027-05-01", "ends_on": "2027-04-01"}, 400, "before"),
    ({"name": "ok", "owner_org_id": "no-such-org"}, 404, "no organisation"),
]


@pytest.mark.parametrize(("body", "status", "named"), BAD_COHORTS)
async def test_bad_cohorts_are_refused_and_publish_nothing(
    profiles: Any, body: dict[str, Any], status: int, named: str
) -> None:
    w = await _two_orgs(profiles)
    call = profiles.call("POST", "/v1/cohorts", w["a_token"], json=body, expect=status)
    assert await profiles.events_of(call) == []
    assert named in (await profiles.call("POST", "/v1/cohorts", w["a_token"], json=body)).text


async def test_the_platform_admin_must_name_the_owner(profiles: Any) -> None:
    response = await profiles.call("POST", "/v1/cohorts", json={"name": "Orphan"}, expect=400)
    assert "owner_org_id" in response.json()["detail"]


async def test_unknown_cohort_org_and_person_are_404(profiles: Any) -> None:
    w = await _two_orgs(profiles)
    cohort_id = await profiles.cohort(w["a_token"])
    for method, path, body in (
        ("GET", "/v1/cohorts/nope", None),
        ("POST", "/v1/cohorts/nope/invitations", {"org_id": w["b"]}),
        ("POST", f"/v1/cohorts/{cohort_id}/invitations", {"org_id": "nope"}),
        ("POST", f"/v1/cohorts/{cohort_id}/members/nope", None),
        ("DELETE", f"/v1/cohorts/{cohort_id}/members/nope", None),
        ("DELETE", f"/v1/cohorts/{cohort_id}/orgs/{w['b']}", None),
    ):
        response = await profiles.call(method, path, w["a_token"], json=body)
        assert response.status_code == 404, (method, path, response.text)


async def test_listing_cohorts_shows_those_of_the_callers_org_and_all_to_the_platform_admin(
    profiles: Any,
) -> None:
    w = await _two_orgs(profiles)
    mine = await profiles.cohort(w["a_token"], "Mine")
    theirs = await profiles.cohort(w["b_token"], "Theirs")
    as_a = {c["id"] for c in (await profiles.call("GET", "/v1/cohorts", w["a_token"], expect=200)).json()}
    assert mine in as_a and theirs not in as_a
    everything = {c["id"] for c in (await profiles.call("GET", "/v1/cohorts", expect=200)).json()}
    assert {mine, theirs} <= everything


async def test_a_member_may_leave_a_cohort_themselves(profiles: Any) -> None:
    w = await _two_orgs(profiles)
    cohort_id = await profiles.cohort(w["a_token"])
    me = await profiles.person(w["a"])
    await profiles.add(cohort_id, me["id"], w["a_token"])
    token = await profiles.token(me["id"])
    leave = profiles.call("DELETE", f"/v1/cohorts/{cohort_id}/members/{me['id']}", token, expect=204)
    published = await profiles.events_of(leave)
    assert [(e.type, e.actor_id) for e in published] == [
        (events.COHORT_MEMBER_REMOVED, me["id"]),
        (events.PERSON_UPSERTED, me["id"]),
    ]
