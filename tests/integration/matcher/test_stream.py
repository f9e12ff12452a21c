"""`GET /v1/people/{id}/suggestions/stream`: an open tab receives new suggestions as they come."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn

from peerlearn.runner import free_port
from peerlearn.testing.waiting import eventually

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(matcher: Harness) -> AsyncIterator[str]:
    """The module's matcher app behind a real HTTP server (streams need a real connection)."""
    port = free_port()
    config = uvicorn.Config(matcher.client.app, host="127.0.0.1", port=port, lifespan="off", log_config=None)  # type: ignore[attr-defined]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)

    await eventually(started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and kind == "suggestions":
            yield json.loads(line.split(":", 1)[1])


async def test_an_open_stream_receives_new_suggestions(matcher: Harness, served: str) -> None:
    org = new_org()
    learner = await matcher.upsert(person(org, "Sia Stream", want={"graphql": 1}))
    async with (
        httpx.AsyncClient(base_url=served, timeout=20) as client,
        client.stream(
            "GET", f"/v1/people/{learner.id}/suggestions/stream", headers=matcher.headers(learner)
        ) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        updates = _events(r)
        first = await asyncio.wait_for(anext(updates), 10)
        assert first["person_id"] == learner.id and first["suggestions"] == []
        mentor = await matcher.upsert(
            person(org, "Gil GraphQL", have={"graphql": 5}, roles=("mentor",), mentor_capacity=1)
        )
        while True:
            update = await asyncio.wait_for(anext(updates), 10)
            if mentor.id in [s["candidate_id"] for s in update["suggestions"]]:
                break
        reasons = [r["text"] for s in update["suggestions"] for r in s["reasons"]]
        assert any("graphql" in text.lower() for text in reasons)


async def test_nobody_opens_another_persons_stream(matcher: Harness, served: str) -> None:
    org = new_org()
    owner = await matcher.upsert(person(org, "Own Stream", want={"css": 1}))
    other = await matcher.upsert(person(org, "Nosy Colleague", want={"css": 1}))
    async with httpx.AsyncClient(base_url=served, timeout=20) as client:
        response = await client.get(
            f"/v1/people/{owner.id}/suggestions/stream", headers=matcher.headers(other)
        )
        assert response.status_code == 404
        response = await client.get(f"/v1/people/{owner.id}/suggestions/stream")
        assert response.status_code == 401
