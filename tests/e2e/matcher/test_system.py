"""The whole system as `peerlearn up` starts it: a learner's profile in → suggestions with reasons
out; a question posted in the forum → answerers on the thread (matcher and forum)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from peerlearn.runner import System
from peerlearn.testing.system import running_system

pytestmark = pytest.mark.e2e

ADMIN = "e2e-admin-token-" + "z" * 30


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("peerlearn-e2e"), ADMIN) as running:
        yield running


def until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: last {value!r}")
        time.sleep(0.2)


def call(client: httpx.Client, method: str, path: str, token: str, **kw: Any) -> Any:
    response = client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kw)
    assert response.status_code < 300, (path, response.status_code, response.text)
    return response.json()


def test_profile_in_suggestions_out_and_question_routed(system: System) -> None:
    profiles = httpx.Client(base_url=system.urls["profiles"], timeout=30)
    forum = httpx.Client(base_url=system.urls["forum"], timeout=30)
    matcher = httpx.Client(base_url=system.urls["matcher"], timeout=30)
    org = call(profiles, "POST", "/v1/orgs", ADMIN, json={"name": "E2E Analytics", "kind": "partner"})

    def add(name: str, **body: Any) -> tuple[dict[str, Any], str]:
        created = call(
            profiles,
            "POST",
            f"/v1/orgs/{org['id']}/people",
            ADMIN,
            json={"display_name": name, "email": f"{name.split()[0].lower()}@e2e.test", **body},
        )
        token = call(profiles, "POST", "/v1/tokens", ADMIN, json={"person_id": created["id"]})["token"]
        return created, token

    mentor, mentor_token = add(
        "Marta Mentor",
        roles=["mentor"],
        mentor_capacity=2,
        weekly_hours=4,
        timezone="Europe/Berlin",
        skills=[{"name": "PostgreSQL", "level": 5}, {"name": "SQL", "level": 5}],
    )
    learner, learner_token = add(
        "Leo Learner",
        weekly_hours=3,
        timezone="Europe/Paris",
        goal="write fast reporting queries",
        skills=[{"name": "SQL", "level": 1, "wants": True}],
    )

    def mentors() -> list[dict[str, Any]]:
        page = call(
            matcher,
            "GET",
            f"/v1/people/{learner['id']}/suggestions",
            learner_token,
            params={"kind": "mentor"},
        )
        return [s for s in page["items"] if s["candidate_id"] == mentor["id"]]

    [suggestion] = until(mentors)
    texts = [r["text"] for r in suggestion["reasons"]]
    assert any("you want SQL (1) — they have" in t for t in texts), texts
    assert any("overlapping working hours" in t for t in texts), texts

    space = call(forum, "POST", "/v1/spaces", ADMIN, json={"name": "Community", "visibility": "public"})
    question = call(
        forum,
        "POST",
        f"/v1/spaces/{space['id']}/threads",
        learner_token,
        json={
            "title": "Why is my PostgreSQL report query slow?",
            "body": "It scans everything.",
            "tags": ["postgresql", "sql"],
        },
    )

    def answerers() -> list[str]:
        # 404 until the matcher has consumed forum.thread.created (the services agree eventually).
        response = matcher.get(
            f"/v1/threads/{question['id']}/answerers", headers={"Authorization": f"Bearer {learner_token}"}
        )
        return [a["person_id"] for a in response.json()["answerers"]] if response.status_code == 200 else []

    assert mentor["id"] in until(answerers)

    def shown_on_thread() -> list[str]:
        thread = call(forum, "GET", f"/v1/threads/{question['id']}", learner_token)
        return [a["person_id"] for a in thread.get("suggested_answerers", [])]

    assert mentor["id"] in until(shown_on_thread)

    # notify tells the routed answerer: in their inbox (and by mail, outside their quiet hours).
    notify = httpx.Client(base_url=system.urls["notify"], timeout=30)

    def routed() -> list[dict[str, Any]]:
        page = call(notify, "GET", f"/v1/people/{mentor['id']}/notifications", mentor_token)
        return [n for n in page["items"] if n["kind"] == "question_routed"]

    [told] = until(routed)
    assert question["id"] in str(told)
