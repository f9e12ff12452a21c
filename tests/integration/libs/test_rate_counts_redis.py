"""Replicas sharing Redis count one limit: each count is one atomic step there."""

from __future__ import annotations

import asyncio
import uuid

from peerlearn.rate_counts import RedisCounts


async def test_concurrent_counts_of_two_replicas_are_each_counted_once(redis_url: str) -> None:
    namespace = f"test-rate-{uuid.uuid4().hex[:8]}"  # this run's keys only
    replicas = [RedisCounts(redis_url, namespace) for _ in range(2)]
    try:
        counted = await asyncio.gather(*(replicas[i % 2].count("person:shared", 60) for i in range(200)))
        assert sorted(n for n, _ in counted) == list(range(1, 201))  # none lost, none twice
        assert all(0 < reset_in <= 60 for _, reset_in in counted)
        # Another caller, and another limit of the same caller, have windows of their own.
        assert (await replicas[0].count("person:other", 60))[0] == 1
        assert (await replicas[1].count("person:shared:writes", 60))[0] == 1
    finally:
        for replica in replicas:
            await replica.close()


async def test_a_window_expires_in_redis_and_begins_again(redis_url: str) -> None:
    counts = RedisCounts(redis_url, f"test-rate-{uuid.uuid4().hex[:8]}")
    try:
        assert await counts.count("ip:1", 1) == (1, 1)
        await asyncio.sleep(2.1)
        assert (await counts.count("ip:1", 1))[0] == 1
    finally:
        await counts.close()
