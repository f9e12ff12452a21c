"""Idempotency-Key: a retried write returns the first answer and creates nothing (memory and Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from peerlearn.testing.servers import NatsServer

from .conftest import Forum, started_forum

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module", params=["memory", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def idem_forum(
    store_kind: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Forum]:
    """The forum on SQLite with its idempotency store in memory or in Redis."""
    overrides = {}
    if store_kind == "redis":
        from peerlearn.testing.servers import REDIS_URL, reachable, unavailable

        if not reachable(REDIS_URL, 6379):
            unavailable(f"Redis at {REDIS_URL}")
        overrides["redis_url"] = REDIS_URL
    tmp: Path = tmp_path_factory.mktemp("idem")
    async with started_forum(f"sqlite+aiosqlite:///{tmp / 'f.db'}", module_nats.url, tmp, **overrides) as f:
        yield f


async def test_retry_returns_first_result_and_creates_nothing(idem_forum: Forum) -> None:
    f = idem_forum
    admin = await f.person("org-idem", "org_admin")
    await f.settle()
    space = await f.space("org", admin.headers)
    key = {"Idempotency-Key": "retry-1-" + space["id"]}
    url = f"/v1/spaces/{space['id']}/threads"
    body = {"title": "Only once please", "body": "network is flaky"}
    first = await f.client.post(url, json=body, headers={**admin.headers, **key})
    assert first.status_code == 201
    again = await f.client.post(url, json=body, headers={**admin.headers, **key})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replay"] == "true"
    # Concurrent retries too.
    answers = await asyncio.gather(
        *(f.client.post(url, json=body, headers={**admin.headers, **key}) for _ in range(5))
    )
    assert {r.json()["id"] for r in answers} == {first.json()["id"]}
    listed = (await f.client.get(url, headers=admin.headers)).json()["items"]
    assert [t["id"] for t in listed] == [first.json()["id"]]
    events_of_thread = await f.forum_events(1, thread_id=first.json()["id"])
    assert len(events_of_thread) == 1

    different = await f.client.post(url, json={**body, "title": "Another"}, headers={**admin.headers, **key})
    assert different.status_code == 422
    # The key belongs to the caller: someone else using it creates their own thread.
    other = await f.person("org-idem")
    await f.settle()
    theirs = await f.client.post(url, json=body, headers={**other.headers, **key})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


async def test_failed_write_is_not_remembered(idem_forum: Forum) -> None:
    """A key whose request failed is retried once the request can succeed: it runs for real."""
    f = idem_forum
    admin = await f.person("org-idem2", "org_admin")
    person = await f.person("org-idem2b")
    cohort = await f.cohort("org-idem2", "org-idem2b")
    await f.settle()
    space = await f.space("cohort", admin.headers, cohort_id=cohort)
    thread = await f.thread(space["id"], admin)
    url = f"/v1/threads/{thread['id']}/posts"
    body = {"body": "let me answer"}
    key = {**person.headers, "Idempotency-Key": "fails-first"}
    missing = await f.client.post(url, json=body, headers=key)
    assert missing.status_code == 404  # not a member of the cohort yet
    await f.join(cohort, person)
    await f.settle()
    # The same key, method, path and body: not the remembered 404 but a new post.
    posted = await f.client.post(url, json=body, headers=key)
    assert posted.status_code == 201, posted.text
    assert "idempotent-replay" not in posted.headers
    # And from now on that success is what the key replays.
    again = await f.client.post(url, json=body, headers=key)
    assert again.status_code == 201 and again.headers["idempotent-replay"] == "true"
    assert again.json() == posted.json()
    view = (await f.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert [p["id"] for p in view["posts"]] == [posted.json()["id"]]

    # Retries of a successful vote replay it (the score alone could not tell: a repeated
    # vote changes nothing anyway).
    votes = [
        await f.client.post(
            f"/v1/threads/{thread['id']}/votes",
            json={"value": 1},
            headers={**person.headers, "Idempotency-Key": "vote-1"},
        )
        for _ in range(3)
    ]
    assert [v.json()["score"] for v in votes] == [1, 1, 1]
    assert [v.headers.get("idempotent-replay") for v in votes] == [None, "true", "true"]
    too_long = await f.client.post(
        f"/v1/threads/{thread['id']}/votes",
        json={"value": 1},
        headers={**person.headers, "Idempotency-Key": "k" * 201},
    )
    assert too_long.status_code == 400
