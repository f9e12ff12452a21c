"""`GET /v1/people/{id}/suggestions/stream`: an open tab receives new suggestions as they come."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.auth import TokenIssuer
from peerlearn.testing.client import served_over_http
from peerlearn.testing.plugin import TEST_JWT_SECRET

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(matcher: Harness) -> AsyncIterator[str]:
    """The module's matcher behind a real HTTP server (streams need a real connection)."""
    async with served_over_http(matcher.client.app) as url:  # type: ignore[attr-defined]
        yield url


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


async def test_an_erased_persons_stream_ends_and_their_token_opens_no_other(
    matcher: Harness, served: str
) -> None:
    org = new_org()
    learner = await matcher.upsert(person(org, "Eve Erased", want={"rust": 1}))
    headers = matcher.headers(learner)
    async with (
        httpx.AsyncClient(base_url=served, timeout=20) as client,
        client.stream("GET", f"/v1/people/{learner.id}/suggestions/stream", headers=headers) as r,
    ):
        updates = _events(r)
        await asyncio.wait_for(anext(updates), 10)
        await matcher.publish(events.PersonDeleted(person_id=learner.id, org_id=org))

        async def drained() -> list[dict[str, Any]]:
            return [update async for update in updates]

        rest = await asyncio.wait_for(drained(), 10)  # the stream ends: no tab listens forever
        assert all(update["suggestions"] == [] for update in rest)
        again = await client.get(f"/v1/people/{learner.id}/suggestions/stream", headers=headers)
        assert again.status_code == 401
        assert "no longer exists" in again.json()["detail"]


async def test_a_person_opens_a_bounded_number_of_streams(matcher: Harness, served: str) -> None:
    org = new_org()
    learner = await matcher.upsert(person(org, "Tab Hoarder", want={"go": 1}))
    headers = matcher.headers(learner)
    url = f"/v1/people/{learner.id}/suggestions/stream"
    cap = matcher.parts.feed.streams_per_person
    listening = []  # each tab's reader stays referenced: a dropped one closes its tab
    async with httpx.AsyncClient(base_url=served, timeout=20) as client, contextlib.AsyncExitStack() as tabs:
        for _ in range(cap):
            opened = await tabs.enter_async_context(client.stream("GET", url, headers=headers))
            assert opened.status_code == 200
            listening.append(_events(opened))
            await asyncio.wait_for(anext(listening[-1]), 10)
        assert matcher.parts.feed.subscribers(learner.id) == cap
        refused = await client.get(url, headers=headers)
        assert refused.status_code == 429
        assert refused.headers["retry-after"]


async def test_a_stream_ends_when_its_token_expires(matcher: Harness, served: str) -> None:
    org = new_org()
    learner = await matcher.upsert(person(org, "Brief Token", want={"elm": 1}))
    short = TokenIssuer(TEST_JWT_SECRET, ttl=timedelta(seconds=3)).issue(learner.id, org, ["learner"]).token
    async with (
        httpx.AsyncClient(base_url=served, timeout=20) as client,
        client.stream(
            "GET", f"/v1/people/{learner.id}/suggestions/stream", headers={"Authorization": f"Bearer {short}"}
        ) as r,
    ):
        assert r.status_code == 200

        async def drained() -> int:
            return len([update async for update in _events(r)])

        assert await asyncio.wait_for(drained(), 15) == 1  # the opening list, then the end
