"""Bad input through the API answers 400 saying what was wrong, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal"


async def test_a_garbled_cursor_is_refused_not_read_as_the_last_page(profiles: Any) -> None:
    org_id = await profiles.org("Pages")
    await profiles.person(org_id)
    path = f"/v1/orgs/{org_id}/people"
    first = (await profiles.call("GET", path, params={"limit": 1}, expect=200)).json()
    assert first["items"]
    response = await profiles.call("GET", path, params={"cursor": "garbage"}, expect=400)
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"display_name": "\u200b\u3164"}, "no visible character"),
        ({"display_name": "Bob\u202egnp.exe"}, "bidi"),
        ({"timezone": "localtime"}, "depends on the server"),
        ({"timezone": "Factory"}, "depends on the server"),
    ],
)
async def test_a_spoofed_name_or_a_host_zone_is_refused(
    profiles: Any, fields: dict[str, Any], said: str
) -> None:
    org_id = await profiles.org("Refusals")
    response = await profiles.call(
        "POST", f"/v1/orgs/{org_id}/people", json={"display_name": "Ada", "email": "a@r.example", **fields}
    )
    assert response.status_code == 400 and said in response.json()["detail"], response.text
    person = await profiles.person(org_id)
    token = await profiles.token(person["id"])
    response = await profiles.call("PUT", f"/v1/people/{person['id']}", token, json=fields)
    assert response.status_code == 400 and said in response.json()["detail"], response.text
    stored = (await profiles.call("GET", f"/v1/people/{person['id']}", token, expect=200)).json()
    assert (stored["display_name"], stored["timezone"]) == (person["display_name"], person["timezone"])
    listed = (await profiles.call("GET", f"/v1/orgs/{org_id}/people", expect=200)).json()["items"]
    assert [p["id"] for p in listed] == [person["id"]]


async def test_an_org_or_cohort_named_with_nothing_visible_is_refused(profiles: Any) -> None:
    response = await profiles.call("POST", "/v1/orgs", json={"name": "\u2800\u200b", "kind": "partner"})
    assert response.status_code == 400 and "no visible character" in response.json()["detail"]
    org_id = await profiles.org("Cohorts")
    admin = await profiles.person(org_id, roles=["org_admin"])
    token = await profiles.token(admin["id"])
    response = await profiles.call("POST", "/v1/cohorts", token, json={"name": "Data\u2066 cohort"})
    assert response.status_code == 400 and "bidi" in response.json()["detail"]


async def test_a_roster_naming_a_column_twice_is_refused_by_name(profiles: Any) -> None:
    org_id = await profiles.org("Twice")
    body = f"{HEADER},goal\nAda,ada@t.example,,UTC,1,,,Learn,Teach\n"
    response = await profiles.call(
        "POST",
        f"/v1/orgs/{org_id}/people:import",
        content=body.encode(),
        headers={"Content-Type": "text/csv"},
        expect=400,
    )
    assert "more than once: goal" in response.json()["detail"]
    assert (await profiles.call("GET", f"/v1/orgs/{org_id}/people", expect=200)).json()["items"] == []


async def test_a_roster_number_with_an_underscore_is_a_rejected_row(profiles: Any) -> None:
    org_id = await profiles.org("Numbers")
    body = f"{HEADER}\nAda,ada@n.example,,UTC,1_0,,,\nBo,bo@n.example,,UTC,10,,,\n"
    report = (
        await profiles.call(
            "POST",
            f"/v1/orgs/{org_id}/people:import",
            content=body.encode(),
            headers={"Content-Type": "text/csv"},
            expect=200,
        )
    ).json()
    assert report["created"] == 1
    assert report["rejected"] == [{"line": 2, "reason": "weekly_hours '1_0' is not a number"}]
