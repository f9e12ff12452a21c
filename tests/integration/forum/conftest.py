"""A running forum per test module (on SQLite and on PostgreSQL), a NATS of its own, and helpers
that publish profiles' events to build the read model the way production does."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from nats.js.api import ConsumerConfig, DeliverPolicy

from peerlearn import events
from peerlearn.auth import TokenIssuer
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer, start_nats
from peerlearn_forum.app import create_app
from peerlearn_forum.models import processed_events
from peerlearn_forum.settings import ForumSettings

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
_issuer = TokenIssuer(TEST_JWT_SECRET)
_names = itertools.count(1)


@dataclass
class Person:
    id: str
    org_id: str
    roles: tuple[str, ...]
    name: str

    @property
    def headers(self) -> dict[str, str]:
        token = _issuer.issue(self.id, self.org_id, list(self.roles)).token
        return {"Authorization": f"Bearer {token}"}


@dataclass
class Forum:
    """A started forum app, its client, and a bus to publish profiles' events on."""

    client: httpx.AsyncClient
    database: Database
    bus: Bus
    published: list[str] = field(default_factory=list)

    async def publish(self, data: events.Data, *, org_id: str | None = None) -> events.Event:
        event = events.make_event(data, org_id=org_id)
        await self.bus.publish(event)
        self.published.append(event.id)
        return event

    async def person(self, org_id: str, *roles: str, name: str | None = None) -> Person:
        person = Person(
            id="p-" + uuid.uuid4().hex[:10],
            org_id=org_id,
            roles=tuple(roles) or ("learner",),
            name=name or f"Person {next(_names)}",
        )
        profile = events.PersonProfile(
            id=person.id, org_id=org_id, display_name=person.name, roles=list(person.roles)
        )
        await self.publish(events.PersonUpserted(person=profile), org_id=org_id)
        return person

    async def cohort(self, owner_org_id: str, *member_org_ids: str) -> str:
        cohort_id = "c-" + uuid.uuid4().hex[:10]
        await self.publish(
            events.CohortCreated(
                cohort_id=cohort_id,
                name="Cohort " + cohort_id,
                owner_org_id=owner_org_id,
                member_org_ids=[owner_org_id, *member_org_ids],
            ),
            org_id=owner_org_id,
        )
        return cohort_id

    async def join(self, cohort_id: str, person: Person) -> None:
        await self.publish(
            events.CohortMemberAdded(cohort_id=cohort_id, person_id=person.id, org_id=person.org_id)
        )

    async def leave(self, cohort_id: str, person: Person) -> None:
        await self.publish(
            events.CohortMemberRemoved(cohort_id=cohort_id, person_id=person.id, org_id=person.org_id)
        )

    async def settle(self, within: float = 15.0) -> None:
        """Wait until the forum's consumers applied every event published so far."""
        wanted = set(self.published)
        async with asyncio.timeout(within):
            while True:
                async with self.database.sessions() as session:
                    done = set(
                        await session.scalars(
                            sa.select(processed_events.c.event_id).where(
                                processed_events.c.event_id.in_(wanted)
                            )
                        )
                    )
                if done >= wanted:
                    return
                await asyncio.sleep(0.05)

    async def space(self, visibility: str, by: dict[str, str], **extra: Any) -> dict[str, Any]:
        body = {"name": f"{visibility} space {uuid.uuid4().hex[:6]}", "visibility": visibility, **extra}
        response = await self.client.post("/v1/spaces", json=body, headers=by)
        assert response.status_code == 201, response.text
        return response.json()

    async def thread(self, space_id: str, by: Person, **body: Any) -> dict[str, Any]:
        body.setdefault("title", "How do I start with asyncio?")
        response = await self.client.post(f"/v1/spaces/{space_id}/threads", json=body, headers=by.headers)
        assert response.status_code == 201, response.text
        return response.json()

    async def post(self, thread_id: str, by: Person, body: str = "Try asyncio.run first.") -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/threads/{thread_id}/posts", json={"body": body}, headers=by.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def forum_events(
        self, count: int, within: float = 10.0, types: tuple[str, ...] = (), **match: Any
    ) -> list[events.Event]:
        """The forum events on the FORUM stream whose data has every ``match`` attribute, waiting
        until at least ``count`` are there."""
        found: list[events.Event] = []
        async with asyncio.timeout(within):
            while True:
                found = []
                sub = await self.bus.js.pull_subscribe(
                    "forum.>", stream="FORUM", config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
                )
                try:
                    while True:
                        try:
                            messages = await sub.fetch(500, timeout=0.5)
                        except Exception:
                            break
                        for message in messages:
                            event = events.decode(message.data)
                            if (not types or event.type in types) and all(
                                getattr(event.data, k, None) == v for k, v in match.items()
                            ):
                                found.append(event)
                finally:
                    await sub.unsubscribe()
                if len(found) >= count:
                    return found
                await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
def module_nats() -> Iterator[NatsServer]:
    server = start_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def forum_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('forum') / 'forum.db'}"
    return str(request.getfixturevalue("postgres_url"))


def forum_settings(tmp: Path, nats_url: str, **overrides: Any) -> ForumSettings:
    values: dict[str, Any] = {
        "data_dir": str(tmp),
        "nats_url": nats_url,
        "jwt_secret": TEST_JWT_SECRET,
        "admin_token": TEST_ADMIN_TOKEN,
        # The service-wide write limit is not under test here; the forum's posting limit is.
        "rate_limit_per_minute": 1_000_000,
        "post_rate_per_minute": 1_000_000,
        **overrides,
    }
    return ForumSettings(**values)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def forum(
    forum_database_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Forum]:
    """One forum for the whole test module, on the module's database engine."""
    async with started_forum(forum_database_url, module_nats.url, tmp_path_factory.mktemp("var")) as running:
        yield running


class started_forum:
    """``async with started_forum(db_url, nats_url, tmp, **settings) as forum``."""

    def __init__(self, database_url: str, nats_url: str, tmp: Path, **overrides: Any) -> None:
        self.database = Database(database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
        self.app = create_app(forum_settings(tmp, nats_url, **overrides), database=self.database)
        # The app runs in the test's loop (Litestar's AsyncTestClient would run it in another).
        self._client = app_client(self.app)
        self.bus = Bus(nats_url, name="forum-test")

    async def __aenter__(self) -> Forum:
        client = await self._client.__aenter__()
        await self.bus.connect(timeout=10)
        return Forum(client=client, database=self.database, bus=self.bus)

    async def __aexit__(self, *exc: object) -> None:
        await self.bus.close()
        await self._client.__aexit__(None, None, None)
