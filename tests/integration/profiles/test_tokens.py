"""Person tokens: issued by the platform admin or the person's org admin, trusted by every service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from peerlearn.auth import TokenVerifier
from peerlearn.testing.plugin import TEST_JWT_SECRET

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_token_names_the_person_their_org_and_roles(profiles: Any) -> None:
    org_id = await profiles.org()
    person = await profiles.person(org_id, roles=["learner", "mentor"])
    response = (
        await profiles.call("POST", "/v1/tokens", json={"person_id": person["id"]}, expect=201)
    ).json()
    principal = TokenVerifier(TEST_JWT_SECRET).verify(response["token"])
    assert (principal.person_id, principal.org_id, principal.roles) == (
        person["id"],
        org_id,
        ("learner", "mentor"),
    )
    expires = datetime.fromisoformat(response["expires_at"])
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
    assert principal.expires_at == expires


async def test_an_org_admin_issues_tokens_for_their_people_only(profiles: Any) -> None:
    org_id, other_org = await profiles.org(), await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    mine, theirs = await profiles.person(org_id), await profiles.person(other_org)
    token = await profiles.token(admin["id"])
    issued = await profiles.call("POST", "/v1/tokens", token, json={"person_id": mine["id"]}, expect=201)
    me = await profiles.call("GET", "/v1/me", issued.json()["token"], expect=200)
    assert me.json()["id"] == mine["id"]
    refused = await profiles.call("POST", "/v1/tokens", token, json={"person_id": theirs["id"]}, expect=404)
    assert "token" not in refused.json()


async def test_a_token_reflects_roles_changed_by_an_admin(profiles: Any) -> None:
    org_id = await profiles.org()
    person = await profiles.person(org_id)
    await profiles.call(
        "PUT", f"/v1/people/{person['id']}", json={"roles": ["learner", "org_admin"]}, expect=200
    )
    principal = TokenVerifier(TEST_JWT_SECRET).verify(await profiles.token(person["id"]))
    assert principal.roles == ("learner", "org_admin")


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"person_id": ""}, 400), ({"person_id": 5}, 400), ({"person_id": "x", "ttl": 9}, 400),
     ({"person_id": "nobody"}, 404)],
)  # fmt: skip
async def test_bad_token_requests(profiles: Any, body: Any, status: int) -> None:
    response = await profiles.call("POST", "/v1/tokens", json=body, expect=status)
    assert response.json()["detail"] and "token" not in response.json()


ERASED = "the person of this token no longer exists"


async def test_a_token_stops_working_the_moment_its_person_is_erased(profiles: Any) -> None:
    org_id = await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    colleague = await profiles.person(org_id)
    token = await profiles.token(admin["id"])
    await profiles.call("GET", f"/v1/orgs/{org_id}/people", token, expect=200)
    await profiles.call("DELETE", f"/v1/people/{admin['id']}", expect=204)

    async def refused() -> None:
        for method, path, body in (
            ("GET", f"/v1/orgs/{org_id}/people", None),
            ("POST", "/v1/tokens", {"person_id": colleague["id"]}),
            (
                "POST",
                f"/v1/orgs/{org_id}/people",
                {"display_name": "Eve", "email": "eve@x.example", "roles": ["org_admin"]},
            ),
            ("PUT", f"/v1/people/{colleague['id']}", {"roles": ["org_admin"]}),
            ("DELETE", f"/v1/people/{colleague['id']}", None),
        ):
            response = await profiles.call(method, path, token, json=body)
            assert (response.status_code, response.json()["detail"]) == (401, ERASED), (method, path)

    assert await profiles.events_of(refused()) == []  # refused: nothing changed, nothing published
    seen = (await profiles.call("GET", f"/v1/people/{colleague['id']}", expect=200)).json()
    assert seen["roles"] == colleague["roles"]
    # The platform admin's credential is no person and is unaffected.
    await profiles.call("GET", f"/v1/orgs/{org_id}/people", expect=200)


async def test_an_old_token_carries_the_roles_the_person_has_now(profiles: Any) -> None:
    org_id = await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    colleague = await profiles.person(org_id)
    token = await profiles.token(admin["id"])
    issue = {"json": {"person_id": colleague["id"]}}
    await profiles.call("POST", "/v1/tokens", token, expect=201, **issue)

    await profiles.call("PUT", f"/v1/people/{admin['id']}", json={"roles": ["learner"]}, expect=200)
    refused = await profiles.call("POST", "/v1/tokens", token, expect=403, **issue)
    assert "admin" in refused.json()["detail"]
    await profiles.call("PUT", f"/v1/people/{colleague['id']}", token, json={"goal": "x"}, expect=403)
    # Their own profile stays theirs (as a learner), but they cannot give themselves the role back.
    await profiles.call("PUT", f"/v1/people/{admin['id']}", token, json={"roles": ["org_admin"]}, expect=403)
    await profiles.call("PUT", f"/v1/people/{admin['id']}", token, json={"goal": "learn"}, expect=200)

    # Promoted again: the same token is an admin's again at once.
    await profiles.call("PUT", f"/v1/people/{admin['id']}", json={"roles": ["org_admin"]}, expect=200)
    await profiles.call("POST", "/v1/tokens", token, expect=201, **issue)
