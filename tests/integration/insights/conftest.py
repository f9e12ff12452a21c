"""insights' builders: a started insights per test module (on the plugin's ``module_database_url``
and ``module_nats``), people and content made by publishing the events profiles, the forum and
the matcher publish, and reading learning records through the API."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
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
from peerlearn.testing.lrs import RalphLrs
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.waiting import eventually, settled
from peerlearn_insights.app import create_app
from peerlearn_insights.settings import InsightsSettings

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
PUBLIC_URL = "https://learn.example.org"
_issuer = TokenIssuer(TEST_JWT_SECRET)
_names = itertools.count(1)


@dataclass
class Person:
    id: str
    org_id: str
    roles: tuple[str, ...]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {_issuer.issue(self.id, self.org_id, list(self.roles)).token}"}


@dataclass
class Insights:
    """A started insights, its client, and a bus to publish the others' events on."""

    client: httpx.AsyncClient
    database: Database
    bus: Bus
    published: list[str] = field(default_factory=list)

    async def publish(
        self, data: events.Data, *, event_id: str | None = None, occurred_at: datetime | None = None
    ) -> events.Event:
        event = events.make_event(data, event_id=event_id, occurred_at=occurred_at)
        await self.bus.publish(event)
        self.published.append(event.id)
        return event

    async def settle(self, within: float = 15.0) -> None:
        """Wait until insights applied every event published so far."""
        await settled(self.database, self.published, within=within)

    async def person(self, org_id: str, *, roles: tuple[str, ...] = ("learner",)) -> Person:
        n = next(_names)
        person = Person(id="p-" + uuid.uuid4().hex[:10], org_id=org_id, roles=roles)
        profile = events.PersonProfile(
            id=person.id,
            org_id=org_id,
            display_name=f"Person {n}",
            roles=list(roles),  # type: ignore[arg-type]
        )
        await self.publish(events.PersonUpserted(person=profile))
        return person

    async def thread(
        self,
        author: Person,
        *,
        visibility: str = "org",
        title: str = "How do I start?",
        kind: str = "question",
        tags: tuple[str, ...] = (),
    ) -> str:
        thread_id = "t-" + uuid.uuid4().hex[:10]
        await self.publish(
            events.ThreadCreated(
                thread_id=thread_id,
                space_id="s-1",
                visibility=visibility,  # type: ignore[arg-type]
                org_id=author.org_id if visibility == "org" else None,
                author_id=author.id,
                kind=kind,  # type: ignore[arg-type]
                title=title,
                tags=list(tags),
            )
        )
        return thread_id

    async def answer(self, thread_id: str, author: Person, asker: Person, *, visibility: str = "org") -> str:
        post_id = "po-" + uuid.uuid4().hex[:10]
        await self.publish(
            events.PostCreated(
                post_id=post_id,
                thread_id=thread_id,
                thread_title="(as the forum sends it)",
                body="Try this.",
                space_id="s-1",
                visibility=visibility,  # type: ignore[arg-type]
                org_id=asker.org_id if visibility == "org" else None,
                author_id=author.id,
                asker_id=asker.id,
            )
        )
        return post_id

    async def record(self, person: Person, reader: dict[str, str], **params: Any) -> httpx.Response:
        return await self.client.get(f"/v1/people/{person.id}/learning-record", params=params, headers=reader)


def insights_settings(tmp: Path, nats_url: str, **overrides: Any) -> InsightsSettings:
    values: dict[str, Any] = {
        "data_dir": str(tmp),
        "nats_url": nats_url,
        "jwt_secret": TEST_JWT_SECRET,
        "admin_token": TEST_ADMIN_TOKEN,
        "public_url": PUBLIC_URL,
        "rate_limit_per_minute": 1_000_000,
        "read_rate_limit_per_minute": 1_000_000,
        **overrides,
    }
    return InsightsSettings(**values)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def insights(
    module_database_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Insights]:
    """One insights for the whole test module, on the module's database engine."""
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    app = create_app(insights_settings(tmp_path_factory.mktemp("var"), module_nats.url), database=database)
    bus = Bus(module_nats.url, name="insights-test")
    async with app_client(app) as client:
        await bus.connect(timeout=10)
        try:
            yield Insights(client=client, database=database, bus=bus)
        finally:
            await bus.close()


# --- xAPI out: an insights whose default LRS is a real Ralph ---------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lrs_insights(
    module_database_url: str,
    module_nats: NatsServer,
    ralph_lrs: RalphLrs,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Insights]:
    """An insights whose default LRS is Ralph's ``platform`` store, with a quick sender (batches
    of 4, back-off from 0.1 s capped at 0.5 s)."""
    platform = ralph_lrs.users["platform"]
    settings = insights_settings(
        tmp_path_factory.mktemp("var"),
        module_nats.url,
        xapi_endpoint=ralph_lrs.endpoint + "/",
        xapi_username=platform.username,
        xapi_password=platform.password,
        xapi_batch_size=4,
        xapi_poll_seconds=0.05,
        xapi_retry_seconds=0.1,
        xapi_max_backoff_seconds=0.5,
        xapi_timeout_seconds=5.0,
    )
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    app = create_app(settings, database=database)
    bus = Bus(module_nats.url, name="insights-xapi-test")
    async with app_client(app) as client:
        await bus.connect(timeout=10)
        try:
            yield Insights(client=client, database=database, bus=bus)
        finally:
            await bus.close()


def new_org() -> str:
    return "o-" + uuid.uuid4().hex[:8]


async def own_lrs(insights: Insights, ralph: RalphLrs, admin: Person, user: str, **changes: str) -> None:
    """The org of ``admin`` sends to Ralph's store of ``user``."""
    body = {"endpoint": ralph.endpoint, "username": user, "password": ralph.users[user].password, **changes}
    response = await insights.client.put(f"/v1/orgs/{admin.org_id}/lrs", json=body, headers=admin.headers)
    assert response.status_code == 200, response.text


async def org_with_lrs(
    insights: Insights, ralph: RalphLrs, user: str, **changes: str
) -> tuple[str, Person, Person]:
    """A new org (its admin and a learner, known to insights) sending to Ralph's store of ``user``."""
    org = new_org()
    admin, learner = await insights.person(org, roles=("org_admin",)), await insights.person(org)
    await insights.settle()
    await own_lrs(insights, ralph, admin, user, **changes)
    return org, admin, learner


async def delivery(insights: Insights, org_id: str) -> dict[str, Any]:
    response = await insights.client.get(f"/v1/orgs/{org_id}/lrs", headers=ADMIN)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()["delivery"]
    return shown


async def delivered(insights: Insights, org_id: str, count: int, *, within: float = 30) -> dict[str, Any]:
    """Wait until ``count`` statements of the org are sent and none is pending."""

    async def done() -> dict[str, Any]:
        shown = await delivery(insights, org_id)
        return shown if shown["sent"] == count and shown["pending"] == 0 else {}

    return await eventually(done, timeout=within)


def of_people(statements: list[dict[str, Any]], people: list[Person]) -> list[dict[str, Any]]:
    ids = {p.id for p in people}
    return [s for s in statements if s["actor"]["account"]["name"] in ids]


async def record_statements(insights: Insights, person: Person) -> list[dict[str, Any]]:
    response = await insights.record(person, ADMIN, format="xapi")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["statements"]
    return found
