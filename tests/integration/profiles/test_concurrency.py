"""Concurrent changes of one person or one cohort queue up: no 500, nothing applied twice.

These run against a live server (uvicorn on a real port), so the requests truly overlap.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from peerlearn.testing.plugin import TEST_ADMIN_TOKEN

pytestmark = pytest.mark.asyncio(loop_scope="function")

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}


async def _setup(client: httpx.AsyncClient) -> tuple[str, str]:
    org_id = (await client.post("/v1/orgs", json={"name": "Race"}, headers=ADMIN)).json()["id"]
    admin = await client.post(
        f"/v1/orgs/{org_id}/people",
        json={"display_name": "Admin", "email": f"admin-{org_id}@race.example", "roles": ["org_admin"]},
        headers=ADMIN,
    )
    token = (await client.post("/v1/tokens", json={"person_id": admin.json()["id"]}, headers=ADMIN)).json()[
        "token"
    ]
    return org_id, token


async def test_concurrent_edits_of_one_persons_skills_all_succeed(live_on_each_engine: Any) -> None:
    async with httpx.AsyncClient(base_url=live_on_each_engine.url, headers=ADMIN, timeout=30) as client:
        org_id, _ = await _setup(client)
        me = await client.post(
            f"/v1/orgs/{org_id}/people", json={"display_name": "Me", "email": "me@r.example"}
        )
        path = f"/v1/people/{me.json()['id']}"
        bodies = [
            {"skills": [{"name": "SQL", "level": 1 + i % 5}, {"name": "Python", "level": 1}]}
            for i in range(12)
        ]
        responses = await asyncio.gather(*(client.put(path, json=body) for body in bodies))
        assert [r.status_code for r in responses] == [200] * 12, [
            r.text for r in responses if r.status_code != 200
        ]
        assert [s["name"] for s in (await client.get(path)).json()["skills"]] == ["SQL", "Python"]


async def test_concurrent_adds_of_one_member_add_them_once(live_on_each_engine: Any) -> None:
    async with httpx.AsyncClient(base_url=live_on_each_engine.url, timeout=30) as client:
        org_id, token = await _setup(client)
        auth = {"Authorization": f"Bearer {token}"}
        cohort_id = (await client.post("/v1/cohorts", json={"name": "Race"}, headers=auth)).json()["id"]
        person = await client.post(
            f"/v1/orgs/{org_id}/people", json={"display_name": "P", "email": "p@r.example"}, headers=auth
        )
        path = f"/v1/cohorts/{cohort_id}/members/{person.json()['id']}"
        responses = await asyncio.gather(*(client.post(path, headers=auth) for _ in range(8)))
        assert sorted(r.status_code for r in responses) == [200] * 7 + [201], [r.text for r in responses]
        cohort = (await client.get(f"/v1/cohorts/{cohort_id}", headers=auth)).json()
        assert cohort["member_person_ids"] == [person.json()["id"]]


async def test_concurrent_imports_of_one_file_create_each_person_once(live_on_each_engine: Any) -> None:
    async with httpx.AsyncClient(base_url=live_on_each_engine.url, headers=ADMIN, timeout=60) as client:
        org_id, _ = await _setup(client)
        header = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"
        body = header + "".join(f"P{i},p{i}@race.example,learner,UTC,1,SQL:2,,\n" for i in range(30))
        path = f"/v1/orgs/{org_id}/people:import"
        responses = await asyncio.gather(
            *(client.post(path, content=body, headers={"Content-Type": "text/csv"}) for _ in range(3))
        )
        # Each attempt went in whole or was refused whole with a 409 that asks to import again.
        statuses = {r.status_code for r in responses}
        assert statuses <= {200, 409} and 200 in statuses, [r.text for r in responses]
        people = (await client.get(f"/v1/orgs/{org_id}/people", params={"limit": 200})).json()["items"]
        assert len(people) == 31
