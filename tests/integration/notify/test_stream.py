"""`GET /v1/people/{id}/notifications/stream`: an open tab receives new notifications; a cap of
open streams per person; nobody else's stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from peerlearn.testing.client import served_over_http

from .conftest import Notify

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(notify: Notify) -> AsyncIterator[str]:
    """The module's notify behind a real HTTP server (streams need a real connection)."""
    async with served_over_http(notify.app) as url:
        yield url


async def _notifications(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            yield {"event": kind, **json.loads(line.split(":", 1)[1])}


async def test_an_open_stream_receives_new_notifications_and_is_capped(notify: Notify, served: str) -> None:
    asker = await notify.person("org-stream")
    watcher = await notify.person("org-stream", email=False)
    other = await notify.person("org-stream")
    await notify.settle()
    url = f"/v1/people/{watcher.id}/notifications/stream"
    async with httpx.AsyncClient(base_url=served, timeout=20) as client:
        assert (await client.get(url, headers=other.headers)).status_code == 404
        assert (await client.get(url)).status_code == 401
        async with client.stream("GET", url, headers=watcher.headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            arriving = _notifications(response)
            assert (await asyncio.wait_for(anext(arriving), 10))["event"] == "ready"
            await notify.route(await notify.thread(asker, title="Live question"), watcher)
            item = await asyncio.wait_for(anext(arriving), 10)
            assert item["event"] == "notification" and item["kind"] == "question_routed"
            assert "Live question" in item["title"]
            cap = notify.app.state.settings.streams_per_person
            extra = [client.stream("GET", url, headers=watcher.headers) for _ in range(cap - 1)]
            opened = [await stream.__aenter__() for stream in extra]
            try:
                assert all(r.status_code == 200 for r in opened)
                refused = await client.get(url, headers=watcher.headers)
                assert refused.status_code == 429, refused.text
            finally:
                for stream in extra:
                    await stream.__aexit__(None, None, None)
