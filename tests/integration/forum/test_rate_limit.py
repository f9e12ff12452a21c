"""Posting is rate-limited per person: 429 with Retry-After, others unaffected."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from peerlearn.testing.servers import NatsServer

from .conftest import Forum, started_forum

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def limited(
    module_database_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Forum]:
    tmp = tmp_path_factory.mktemp("rate")
    async with started_forum(module_database_url, module_nats.url, tmp, post_rate_per_minute=5) as f:
        yield f


async def test_posting_past_the_limit_is_429_with_retry_after(limited: Forum) -> None:
    f = limited
    admin = await f.person("org-rate", "org_admin")
    chatty = await f.person("org-rate")
    calm = await f.person("org-rate")
    await f.settle()
    space = await f.space("org", admin.headers)
    thread = await f.thread(space["id"], calm)
    statuses = []
    for i in range(7):
        response = await f.client.post(
            f"/v1/threads/{thread['id']}/posts", json={"body": f"message {i}"}, headers=chatty.headers
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [201] * 5 and statuses[5:] == [429, 429]
    assert 1 <= int(response.headers["retry-after"]) <= 60
    # New threads count too; reading and voting do not.
    ask = await f.client.post(
        f"/v1/spaces/{space['id']}/threads", json={"title": "t"}, headers=chatty.headers
    )
    assert ask.status_code == 429
    assert (await f.client.get(f"/v1/threads/{thread['id']}", headers=chatty.headers)).status_code == 200
    vote = await f.client.post(f"/v1/threads/{thread['id']}/votes", json={"value": 1}, headers=chatty.headers)
    assert vote.status_code == 200
    view = (await f.client.get(f"/v1/threads/{thread['id']}", headers=calm.headers)).json()
    assert view["post_count"] == 5
    # Someone else still posts.
    other = await f.client.post(
        f"/v1/threads/{thread['id']}/posts", json={"body": "hi"}, headers=calm.headers
    )
    assert other.status_code == 201


async def test_a_replayed_post_does_not_count_against_the_limit(limited: Forum) -> None:
    f = limited
    _admin, person, thread = await f.org_thread("org-rate2")
    key = {**person.headers, "Idempotency-Key": "the-same-post"}
    answers = [
        await f.client.post(f"/v1/threads/{thread['id']}/posts", json={"body": "once"}, headers=key)
        for _ in range(8)
    ]
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1


async def _failed_writes_then_posts(f: Forum, org: str) -> None:
    stranger_admin = await f.person(org + "-other", "org_admin")
    _admin, person, thread = await f.org_thread(org)  # settles: the stranger is known too
    hidden_space = await f.space("org", stranger_admin.headers)
    hidden = await f.thread(hidden_space["id"], stranger_admin)
    # Twenty refused writes: a thread the person may not see (404), an unknown one (404), a
    # discussion of a space they may not see (404), an empty body (400 before any handler).
    for i in range(20):
        url, body = [
            (f"/v1/threads/{hidden['id']}/posts", {"body": "let me in"}),
            ("/v1/threads/unknown/posts", {"body": "anyone?"}),
            (f"/v1/spaces/{hidden_space['id']}/threads", {"title": "sneaky"}),
            (f"/v1/threads/{thread['id']}/posts", {"body": ""}),
        ][i % 4]
        response = await f.client.post(url, json=body, headers=person.headers)
        assert response.status_code in (400, 404), response.text
    # The allowance is untouched: five posts, then the sixth is refused.
    statuses = []
    for i in range(6):
        response = await f.client.post(
            f"/v1/threads/{thread['id']}/posts", json={"body": f"real {i}"}, headers=person.headers
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 5 + [429]


async def test_failed_writes_do_not_count_toward_the_limit(limited: Forum) -> None:
    await _failed_writes_then_posts(limited, "org-rate3")
