"""Organisations: the platform admin creates them; their people see them."""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn import events

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_platform_admin_creates_an_org_and_org_created_is_published(profiles: Any) -> None:
    call = profiles.call(
        "POST", "/v1/orgs", json={"name": "  Globex  Learning ", "kind": "community"}, expect=201
    )
    published = await profiles.events_of(call)
    assert [e.type for e in published] == [events.ORG_CREATED]
    org_id = published[0].data.org_id
    assert (published[0].org_id, published[0].actor_id) == (org_id, None)
    assert published[0].data == events.OrgCreated(org_id=org_id, name="Globex Learning", kind="community")
    shown = (await profiles.call("GET", f"/v1/orgs/{org_id}", expect=200)).json()
    assert (shown["name"], shown["kind"]) == ("Globex Learning", "community")


async def test_a_person_sees_their_own_org(profiles: Any) -> None:
    org_id = await profiles.org("Initech")
    me = await profiles.person(org_id)
    shown = await profiles.call("GET", f"/v1/orgs/{org_id}", await profiles.token(me["id"]), expect=200)
    assert shown.json()["name"] == "Initech"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "blank"),
        ({"name": "Ok", "kind": "university"}, "kind"),
        ({"name": "Ok", "country": "NL"}, "country"),
        ([], "object"),
    ],
)
async def test_bad_orgs_are_400_and_publish_nothing(profiles: Any, body: Any, named: str) -> None:
    assert await profiles.events_of(profiles.call("POST", "/v1/orgs", json=body, expect=400)) == []
    assert named in (await profiles.call("POST", "/v1/orgs", json=body)).text


async def test_a_person_cannot_create_an_org_and_nothing_is_published(profiles: Any) -> None:
    org_id = await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    call = profiles.call(
        "POST", "/v1/orgs", await profiles.token(admin["id"]), json={"name": "Mine"}, expect=403
    )
    assert await profiles.events_of(call) == []


async def test_an_unknown_org_is_404(profiles: Any) -> None:
    for path in ("/v1/orgs/does-not-exist", "/v1/orgs/does-not-exist/people"):
        response = await profiles.call("GET", path, expect=404)
        assert response.json() == {"status_code": 404, "detail": response.json()["detail"]}


async def test_health_ready_and_schema_answer(profiles: Any) -> None:
    assert (await profiles.call("GET", "/ready", None)).json()["checks"] == {"database": "ok", "nats": "ok"}
    schema = (await profiles.call("GET", "/schema/openapi.json", None, expect=200)).json()
    assert "/v1/orgs/{org_id}/people:import" in schema["paths"]
