"""The kit's rate limits: a count per caller and window, Litestar's answers and headers, one pass."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.middleware.base import DefineMiddleware
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from peerlearn import rate_counts
from peerlearn.rate_counts import Limit, MemoryCounts, RateLimits
from peerlearn.request_envelope import RequestEnvelope

LIMIT = 3


def _signed_in(app: ASGIApp) -> ASGIApp:
    # Stands for the kit's authentication: a request with X-Person is that person's.
    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        person = dict(scope["headers"]).get(b"x-person")
        scope["user"] = person.decode() if person else None
        await app(scope, receive, send)

    return call


def _app(counts: MemoryCounts) -> Litestar:
    @get("/ping", sync_to_thread=False)
    def ping() -> str:
        return "pong"

    @get("/health", sync_to_thread=False)
    def health() -> str:
        return "ok"

    @post("/notes", sync_to_thread=False)
    def add_note() -> str:
        return "added"

    def caller_of(scope: Scope) -> str:
        user: Any = scope.get("user")
        return f"person:{user}" if user else "ip:testclient"

    return Litestar(
        [ping, health, add_note],
        middleware=[
            DefineMiddleware(RequestEnvelope, service="limits-test"),
            _signed_in,
            DefineMiddleware(
                RateLimits,
                counts=counts,
                writes=Limit("writes", LIMIT),
                reads=Limit("reads", LIMIT),
                caller_of=caller_of,
                unlimited=["^/health$"],
            ),
        ],
    )


def test_litestars_answers_and_headers_and_a_429_with_retry_after() -> None:
    with TestClient(_app(MemoryCounts())) as client:
        answers = [client.get("/ping") for _ in range(LIMIT + 2)]
    assert [(r.status_code, r.headers["ratelimit-remaining"]) for r in answers] == [
        (200, "2"),
        (200, "1"),
        (200, "0"),
        (429, "0"),
        (429, "0"),
    ]
    admitted, refused = answers[0], answers[-1]
    assert admitted.headers["ratelimit-policy"] == f"{LIMIT}; w=60"
    assert admitted.headers["ratelimit-limit"] == str(LIMIT)
    assert 0 < int(admitted.headers["ratelimit-reset"]) <= 60
    assert refused.json() == {"status_code": 429, "detail": "Too Many Requests"}
    assert refused.headers["retry-after"] == refused.headers["ratelimit-reset"]
    for response in (admitted, refused):  # a refusal answered outside the middlewares too
        assert response.headers["x-request-id"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_writes_count_per_person_and_only_when_signed_in() -> None:
    with TestClient(_app(MemoryCounts())) as client:
        anonymous = [client.post("/notes").status_code for _ in range(LIMIT + 1)]
        busy = [client.post("/notes", headers={"X-Person": "busy"}).status_code for _ in range(LIMIT + 1)]
        calm = client.post("/notes", headers={"X-Person": "calm"})
        reads = client.get("/ping", headers={"X-Person": "busy"})  # a limit of its own
        probes = [client.get("/health").status_code for _ in range(LIMIT + 1)]
    assert anonymous == [201] * (LIMIT + 1)
    assert busy == [201] * LIMIT + [429]
    assert calm.status_code == 201 and calm.headers["ratelimit-remaining"] == str(LIMIT - 1)
    assert reads.status_code == 200 and reads.headers["ratelimit-remaining"] == str(LIMIT - 1)
    assert probes == [200] * (LIMIT + 1)


def test_a_window_begins_again_once_it_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = MemoryCounts()
    now = [1_000_000.0]
    monkeypatch.setattr(rate_counts, "time", lambda: now[0])
    assert [asyncio.run(counts.count("k", 60)) for _ in range(2)] == [(1, 60), (2, 60)]
    now[0] += 59
    assert asyncio.run(counts.count("k", 60)) == (3, 1)
    now[0] += 1
    assert asyncio.run(counts.count("k", 60)) == (1, 60)


def test_ended_windows_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = MemoryCounts()
    counts.SWEEP_EVERY = 5
    now = [1_000_000.0]
    monkeypatch.setattr(rate_counts, "time", lambda: now[0])
    for caller in range(4):
        asyncio.run(counts.count(f"ip:{caller}", 60))
    now[0] += 60
    asyncio.run(counts.count("ip:late", 60))  # the fifth count sweeps the four ended windows
    assert list(counts._windows) == ["ip:late"]
