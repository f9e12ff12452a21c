"""The posting window in Redis (what replicas share): failed writes give their slot back, and
concurrent posts never take more than the limit. A module of its own: its forum must be the only
one consuming the module's NATS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from peerlearn.testing.servers import NatsServer

from .conftest import Forum, started_forum
from .test_rate_limit import _failed_writes_then_posts

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def limited_redis(
    module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Forum]:
    """The posting window in Redis (what replicas share)."""
    from peerlearn.testing.servers import REDIS_URL, reachable, unavailable

    if not reachable(REDIS_URL, 6379):
        unavailable(f"Redis at {REDIS_URL}")
    tmp = tmp_path_factory.mktemp("rate-redis")
    url = f"sqlite+aiosqlite:///{tmp / 'f.db'}"
    async with started_forum(url, module_nats.url, tmp, post_rate_per_minute=5, redis_url=REDIS_URL) as f:
        yield f


async def test_redis_window_failed_writes_do_not_count(limited_redis: Forum) -> None:
    await _failed_writes_then_posts(limited_redis, "org-rate-redis")


async def test_redis_window_concurrent_posts_take_exactly_the_limit(limited_redis: Forum) -> None:
    f = limited_redis
    admin, person, thread = await f.org_thread("org-rate-redis2")
    answers = await asyncio.gather(
        *(
            f.client.post(
                f"/v1/threads/{thread['id']}/posts", json={"body": f"m {i}"}, headers=person.headers
            )
            for i in range(12)
        )
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(201) <= 5 and set(statuses) <= {201, 429}
    view = (await f.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert view["post_count"] == statuses.count(201)
    refused = next(r for r in answers if r.status_code == 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
