"""``Idempotency-Key``: a retried write gets the first answer back and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn import events

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_retried_create_returns_the_first_answer_and_publishes_once(profiles: Any) -> None:
    org_id = await profiles.org()
    body = {"display_name": "Retry Me", "email": "retry@x.example"}
    path = f"/v1/orgs/{org_id}/people"
    key = {"Idempotency-Key": "create-retry-1"}

    async def twice() -> tuple[Any, Any]:
        first = await profiles.call("POST", path, json=body, headers=key, expect=201)
        second = await profiles.call("POST", path, json=body, headers=key, expect=201)
        return first, second

    mark = profiles.tap.mark()
    first, second = await twice()
    published = await profiles.events_of(profiles.call("GET", f"/v1/orgs/{org_id}"))
    assert published == []
    assert second.json() == first.json() and second.headers["idempotent-replay"] == "true"
    upserts = [e for e in profiles.tap.events[mark:] if e.type == events.PERSON_UPSERTED]
    assert [e.data.person.id for e in upserts] == [first.json()["id"]]


async def test_the_same_key_with_another_request_is_422(profiles: Any) -> None:
    org_id = await profiles.org()
    key = {"Idempotency-Key": "k-422"}
    path = f"/v1/orgs/{org_id}/people"
    await profiles.call(
        "POST", path, json={"display_name": "A", "email": "a@k.example"}, headers=key, expect=201
    )
    response = await profiles.call(
        "POST", path, json={"display_name": "B", "email": "b@k.example"}, headers=key, expect=422
    )
    assert "different request" in response.json()["detail"]


async def test_a_failed_request_is_not_kept_so_a_fixed_retry_works(profiles: Any) -> None:
    org_id = await profiles.org()
    key = {"Idempotency-Key": "k-fail"}
    path = f"/v1/orgs/{org_id}/people"
    await profiles.call("POST", path, json={"display_name": "A", "email": "nope"}, headers=key, expect=400)
    await profiles.call(
        "POST", path, json={"display_name": "A", "email": "a@f.example"}, headers=key, expect=201
    )


async def test_keys_belong_to_their_caller(profiles: Any) -> None:
    org_id = await profiles.org()
    admin = await profiles.person(org_id, roles=["org_admin"])
    token = await profiles.token(admin["id"])
    key = {"Idempotency-Key": "shared-key"}
    path = f"/v1/orgs/{org_id}/people"
    mine = await profiles.call("POST", path, json={"display_name": "A", "email": "a@s.example"}, headers=key)
    theirs = await profiles.call(
        "POST", path, token, json={"display_name": "B", "email": "b@s.example"}, headers=key
    )
    assert (mine.status_code, theirs.status_code) == (201, 201) and mine.json()["id"] != theirs.json()["id"]


async def test_a_retried_delete_replays_204(profiles: Any) -> None:
    org_id = await profiles.org()
    person = await profiles.person(org_id)
    key = {"Idempotency-Key": f"delete-{person['id']}"}
    await profiles.call("DELETE", f"/v1/people/{person['id']}", headers=key, expect=204)
    again = await profiles.call("DELETE", f"/v1/people/{person['id']}", headers=key, expect=204)
    assert again.headers["idempotent-replay"] == "true"
    await profiles.call("DELETE", f"/v1/people/{person['id']}", expect=404)  # without the key: it is gone


async def test_a_key_that_is_too_long_is_400(profiles: Any) -> None:
    response = await profiles.call(
        "POST", "/v1/orgs", json={"name": "X"}, headers={"Idempotency-Key": "k" * 201}
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
