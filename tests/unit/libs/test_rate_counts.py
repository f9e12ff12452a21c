"""The kit's rate limits keep a count per caller and window, with Litestar's behaviour and headers."""

from __future__ import annotations

import asyncio

from litestar import Litestar, get
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.stores.memory import MemoryStore
from litestar.testing import TestClient

from peerlearn.rate_counts import CountingRateLimitMiddleware

LIMIT = 3


def _app(middleware: type[RateLimitMiddleware], store: MemoryStore) -> Litestar:
    @get("/ping", sync_to_thread=False)
    def ping() -> str:
        return "pong"

    limit = RateLimitConfig(rate_limit=("minute", LIMIT), middleware_class=middleware, store="limits")
    return Litestar([ping], middleware=[limit.middleware], stores={"limits": store})


def _answers(
    middleware: type[RateLimitMiddleware], store: MemoryStore | None = None
) -> list[tuple[int, str]]:
    with TestClient(_app(middleware, store or MemoryStore())) as client:
        return [
            (r.status_code, r.headers.get("ratelimit-remaining", ""))
            for r in (client.get("/ping") for _ in range(LIMIT + 2))
        ]


def test_the_same_answers_and_headers_as_litestars_own() -> None:
    counted = _answers(CountingRateLimitMiddleware)
    assert counted == _answers(RateLimitMiddleware)
    assert counted == [(200, "2"), (200, "1"), (200, "0"), (429, "0"), (429, "0")]


def test_what_is_stored_stays_two_numbers_however_many_requests() -> None:
    store = MemoryStore()
    with TestClient(_app(CountingRateLimitMiddleware, store)) as client:
        for _ in range(LIMIT):
            client.get("/ping")
        keys = list(store._store)
        assert len(keys) == 1
        stored = asyncio.run(store.get(keys[0]))
    assert stored is not None and stored.startswith(b"[3,")


def test_a_window_stored_by_litestars_own_middleware_is_read_as_a_fresh_one() -> None:
    store = MemoryStore()
    key = "CountingRateLimitMiddleware::testclient"
    asyncio.run(store.set(key, b'{"history":[1,2,3],"reset":9999999999}', expires_in=60))
    assert _answers(CountingRateLimitMiddleware, store)[0] == (200, "2")
    assert list(store._store) == [key]  # the old value was the one read, and replaced
