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
    await profiles.call("POST", "/v1/tokens", token, json={"person_id": mine["id"]}, expect=201)
    await profiles.call("POST", "/v1/tokens", token, json={"person_id": theirs["id"]}, expect=404)


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
    await profiles.call("POST", "/v1/tokens", json=body, expect=status)
