"""notify's builders: a started notify per test module (on the plugin's ``module_database_url``
and ``module_nats``) with a real SMTP server, people and content made by publishing the events
profiles, the forum and the matcher publish, and reading the inbox through the API."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
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
from peerlearn.events.contacts import ContactUpdated
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.smtp import SmtpServer, start_smtp
from peerlearn.testing.waiting import settled
from peerlearn_notify.app import create_app
from peerlearn_notify.settings import NotifySettings

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
_issuer = TokenIssuer(TEST_JWT_SECRET)
_names = itertools.count(1)


@dataclass
class Person:
    id: str
    org_id: str
    name: str
    email: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {_issuer.issue(self.id, self.org_id, ['learner']).token}"}


@dataclass
class Notify:
    """A started notify, its client, a bus to publish the others' events on, the SMTP server."""

    client: httpx.AsyncClient
    database: Database
    bus: Bus
    smtp: SmtpServer
    app: Any
    published: list[str] = field(default_factory=list)

    async def publish(
        self, data: events.Data, *, event_id: str | None = None, occurred_at: datetime | None = None
    ) -> events.Event:
        event = events.make_event(data, event_id=event_id, occurred_at=occurred_at)
        await self.bus.publish(event)
        self.published.append(event.id)
        return event

    async def settle(self, within: float = 15.0) -> None:
        """Wait until notify applied every event published so far."""
        await settled(self.database, self.published, within=within)

    async def person(
        self, org_id: str, *, email: bool = True, roles: tuple[str, ...] = ("learner",)
    ) -> Person:
        n = next(_names)
        person = Person(
            id="p-" + uuid.uuid4().hex[:10],
            org_id=org_id,
            name=f"Person {n}",
            email=f"person{n}-{uuid.uuid4().hex[:6]}@example.org" if email else None,
        )
        profile = events.PersonProfile(
            id=person.id,
            org_id=org_id,
            display_name=person.name,
            roles=list(roles),  # type: ignore[arg-type]
        )
        await self.publish(events.PersonUpserted(person=profile))
        if person.email:
            await self.publish(ContactUpdated(person_id=person.id, org_id=org_id, email=person.email))
        return person

    async def thread(self, author: Person, *, visibility: str = "org", title: str = "How do I start?") -> str:
        thread_id = "t-" + uuid.uuid4().hex[:10]
        await self.publish(
            events.ThreadCreated(
                thread_id=thread_id,
                space_id="s-1",
                visibility=visibility,  # type: ignore[arg-type]
                org_id=author.org_id if visibility == "org" else None,
                author_id=author.id,
                kind="question",
                title=title,
            )
        )
        return thread_id

    async def route(self, thread_id: str, *answerers: Person) -> events.Event:
        return await self.publish(
            events.AnswerersSuggested(
                thread_id=thread_id,
                answerers=[events.SuggestedAnswerer(person_id=a.id, score=0.9) for a in answerers],
            )
        )

    async def inbox(self, person: Person, **params: Any) -> dict[str, Any]:
        response = await self.client.get(
            f"/v1/people/{person.id}/notifications", params=params, headers=person.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def kinds(self, person: Person) -> list[str]:
        return [item["kind"] for item in (await self.inbox(person))["items"]]


def notify_settings(tmp: Path, nats_url: str, smtp_url: str, **overrides: Any) -> NotifySettings:
    values: dict[str, Any] = {
        "data_dir": str(tmp),
        "nats_url": nats_url,
        "jwt_secret": TEST_JWT_SECRET,
        "admin_token": TEST_ADMIN_TOKEN,
        "smtp_url": smtp_url,
        "rate_limit_per_minute": 1_000_000,
        "read_rate_limit_per_minute": 1_000_000,
        "mail_poll_seconds": 0.05,
        # Digests are scheduled by the tests (app.state.digest_clock.tick at a chosen time).
        "digest_poll_seconds": 3600,
        **overrides,
    }
    return NotifySettings(**values)


@pytest.fixture(scope="module")
def module_smtp() -> Iterator[SmtpServer]:
    with start_smtp() as server:
        yield server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def notify(
    module_database_url: str,
    module_nats: NatsServer,
    module_smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Notify]:
    """One notify for the whole test module, on the module's database engine."""
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    app = create_app(
        notify_settings(tmp_path_factory.mktemp("var"), module_nats.url, module_smtp.url), database=database
    )
    bus = Bus(module_nats.url, name="notify-test")
    async with app_client(app) as client:
        await bus.connect(timeout=10)
        try:
            yield Notify(client=client, database=database, bus=bus, smtp=module_smtp, app=app)
        finally:
            await bus.close()
