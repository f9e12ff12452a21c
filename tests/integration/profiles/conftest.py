"""Fixtures of the profiles integration tests: one running app per test module and engine.

``profiles`` starts the real app (migrations, NATS connection, outbox relay) on SQLite and
on PostgreSQL (the plugin's ``module_database_url``), in the test's loop
(``peerlearn.testing.client.app_client``), on the module's nats-server (``module_nats``), and
taps the PROFILES stream (``peerlearn.testing.tap.StreamTap``) so tests can assert on the
events the service published. What is left here is profiles' own: the API helpers.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.runner import free_port
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer, start_nats
from peerlearn.testing.tap import StreamTap
from peerlearn_profiles.app import create_app
from peerlearn_profiles.settings import load

ADMIN = TEST_ADMIN_TOKEN


class Profiles:
    """A running profiles app with helpers to set up orgs, people and cohorts through its API."""

    def __init__(self, client: httpx.AsyncClient, tap: StreamTap, database: Database) -> None:
        self.client = client
        self.tap = tap
        self.database = database  # the app's own (commands that work on it directly)

    async def call(
        self, method: str, path: str, token: str | None = ADMIN, *, expect: int | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.request(method, path, headers=headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response

    async def org(self, name: str = "Acme", kind: str = "partner") -> str:
        response = await self.call("POST", "/v1/orgs", json={"name": name, "kind": kind}, expect=201)
        return str(response.json()["id"])

    async def person(self, org_id: str, token: str = ADMIN, **fields: Any) -> dict[str, Any]:
        body = {"display_name": "Ada Lovelace", "email": f"{uuid.uuid4().hex[:10]}@example.org", **fields}
        response = await self.call("POST", f"/v1/orgs/{org_id}/people", token, json=body, expect=201)
        return dict(response.json())

    async def token(self, person_id: str) -> str:
        response = await self.call("POST", "/v1/tokens", json={"person_id": person_id}, expect=201)
        return str(response.json()["token"])

    async def cohort(self, admin_token: str, name: str = "Data cohort", **fields: Any) -> str:
        response = await self.call(
            "POST", "/v1/cohorts", admin_token, json={"name": name, **fields}, expect=201
        )
        return str(response.json()["id"])

    async def join(
        self, cohort_id: str, org_id: str, owner_token: str = ADMIN, org_token: str = ADMIN
    ) -> None:
        await self.call(
            "POST", f"/v1/cohorts/{cohort_id}/invitations", owner_token, json={"org_id": org_id}, expect=201
        )
        await self.call("POST", f"/v1/cohorts/{cohort_id}/invitations/{org_id}/accept", org_token, expect=200)

    async def add(self, cohort_id: str, person_id: str, token: str = ADMIN) -> None:
        response = await self.call("POST", f"/v1/cohorts/{cohort_id}/members/{person_id}", token)
        assert response.status_code in (200, 201), response.text

    async def sentinel(self) -> int:
        """Make one known change and wait for its event; return the tap index of that event.

        Events leave the outbox in commit order, so every event of an earlier request is in
        the tap before the sentinel's: what lies between a mark and the sentinel is exact.
        """
        org_id = await self.org("Sentinel")
        await self.tap.wait_for(lambda e: e.type == events.ORG_CREATED and e.data.org_id == org_id)  # type: ignore[attr-defined]
        return next(
            i
            for i, e in enumerate(self.tap.events)
            if e.type == events.ORG_CREATED and e.data.org_id == org_id  # type: ignore[attr-defined]
        )

    async def events_of(self, action: Any) -> list[events.Event]:
        """Run ``action`` (an awaitable) and return exactly the events it published."""
        await self.sentinel()  # every earlier event is in the tap
        mark = self.tap.mark()
        await action
        end = await self.sentinel()
        return self.tap.events[mark:end]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def profiles(
    module_database_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Profiles]:
    """The profiles app on one engine, on the module's nats-server, with a tap on its stream."""
    settings = load(
        {
            "PEERLEARN_DATA_DIR": str(tmp_path_factory.mktemp("var")),
            "PEERLEARN_NATS_URL": module_nats.url,
            "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
            "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
            "PEERLEARN_RATE_LIMIT_PER_MINUTE": "1000000",
            "PEERLEARN_PROFILES_IMPORT_MAX_BYTES": str(5 * 1024 * 1024),
        }
    )
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    async with app_client(create_app(settings, database=database)) as client:
        tap = await StreamTap("profiles.>").start(module_nats.url)
        try:
            yield Profiles(client, tap, database)
        finally:
            await tap.stop()


@dataclass
class LiveProfiles:
    """The profiles service listening on a real port (for clients that speak HTTP themselves)."""

    url: str
    nats_url: str


@contextmanager
def _live(data_dir: Path, database_url: str = "") -> Iterator[LiveProfiles]:
    """Profiles under uvicorn in a thread with a nats-server of its own."""
    import uvicorn

    server = start_nats()
    env = {
        "PEERLEARN_DATA_DIR": str(data_dir),
        "PEERLEARN_NATS_URL": server.url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    settings = load(env)
    database = Database(database_url, schema=f"t_{uuid.uuid4().hex[:12]}") if database_url else None
    port = free_port()
    app = create_app(settings, database=database)
    web = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the live profiles service did not become ready")
        yield LiveProfiles(url=url, nats_url=server.url)
    finally:
        web.should_exit = True
        thread.join(15)
        server.stop()


@pytest.fixture(scope="module")
def live_profiles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveProfiles]:
    """Profiles listening on a real port, on SQLite."""
    with _live(tmp_path_factory.mktemp("live")) as live:
        yield live


@pytest.fixture(scope="module")
def live_on_each_engine(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveProfiles]:
    """Profiles listening on a real port, on SQLite and on PostgreSQL (requests truly concurrent)."""
    with _live(tmp_path_factory.mktemp("live"), module_database_url) as live:
        yield live
