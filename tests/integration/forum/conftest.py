"""The forum's builders: a started forum per test module (on the plugin's ``module_database_url``
and ``module_nats``), people, cohorts and content made through profiles' events and the API, the
way production does, and the forum's events through the plugin's ``StreamTap``."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.auth import TokenIssuer
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.tap import StreamTap
from peerlearn.testing.waiting import settled
from peerlearn_forum.app import create_app
from peerlearn_forum.settings import ForumSettings

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
_issuer = TokenIssuer(TEST_JWT_SECRET)
_names = itertools.count(1)


@dataclass
class Person:
    id: str
    org_id: str
    roles: tuple[events.Role, ...]
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
    tap: StreamTap
    published: list[str] = field(default_factory=list)

    async def publish(self, data: events.Data, *, org_id: str | None = None) -> events.Event:
        event = events.make_event(data, org_id=org_id)
        await self.bus.publish(event)
        self.published.append(event.id)
        return event

    async def person(self, org_id: str, *roles: events.Role, name: str | None = None) -> Person:
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
        await settled(self.database, self.published, within=within)

    async def space(self, visibility: str, by: dict[str, str], **extra: Any) -> dict[str, Any]:
        body = {"name": f"{visibility} space {uuid.uuid4().hex[:6]}", "visibility": visibility, **extra}
        response = await self.client.post("/v1/spaces", json=body, headers=by)
        assert response.status_code == 201, response.text
        return response.json()

    async def org_thread(self, org_id: str) -> tuple[Person, Person, dict[str, Any]]:
        """An org admin and a learner of ``org_id``, both known to the forum, and a thread by the
        admin in a new space of that org."""
        admin = await self.person(org_id, "org_admin")
        learner = await self.person(org_id)
        await self.settle()
        space = await self.space("org", admin.headers)
        return admin, learner, await self.thread(space["id"], admin)

    async def spaces_of_every_kind(self, admin: Person, cohort_id: str) -> dict[str, dict[str, Any]]:
        """An org space (by ``admin`` of that org), a space of ``cohort_id`` (by the same admin, of
        the cohort's owner org) and a public space (by the platform admin), by their visibility."""
        return {
            "org": await self.space("org", admin.headers),
            "cohort": await self.space("cohort", admin.headers, cohort_id=cohort_id),
            "public": await self.space("public", ADMIN),
        }

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
        """The forum's events whose data has every ``match`` value, once at least ``count`` are there."""
        async with asyncio.timeout(within):
            return await self.tap.wait_count(count, types=types, **match)


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
    module_database_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Forum]:
    """One forum for the whole test module, on the module's database engine."""
    async with started_forum(module_database_url, module_nats.url, tmp_path_factory.mktemp("var")) as running:
        yield running


class started_forum:
    """``async with started_forum(db_url, nats_url, tmp, **settings) as forum``."""

    def __init__(self, database_url: str, nats_url: str, tmp: Path, **overrides: Any) -> None:
        self.database = Database(database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
        self.app = create_app(forum_settings(tmp, nats_url, **overrides), database=self.database)
        # The app runs in the test's loop (Litestar's AsyncTestClient would run it in another).
        self._client = app_client(self.app)
        self.bus = Bus(nats_url, name="forum-test")
        self.nats_url = nats_url
        self.tap = StreamTap("forum.>")

    async def __aenter__(self) -> Forum:
        client = await self._client.__aenter__()
        await self.bus.connect(timeout=10)  # the streams exist once it has
        await self.tap.start(self.nats_url)
        return Forum(client=client, database=self.database, bus=self.bus, tap=self.tap)

    async def __aexit__(self, *exc: object) -> None:
        await self.tap.stop()
        await self.bus.close()
        await self._client.__aexit__(None, None, None)
