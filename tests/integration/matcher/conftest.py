"""Fixtures of the matcher's integration tests: its domain builders and one started app per module.

The app runs on the plugin's nats-server for the module (``module_nats``) and on SQLite *and*
PostgreSQL (``module_database_url``: the module runs once for each engine). Both engine runs of
a module share that server, so each run starts from empty streams. Tests feed the app by
publishing real events to JetStream, wait until it applied them (``settled``) and read what it
published (a ``StreamTap`` on ``matcher.>``, or the MATCHER stream itself). Each test uses fresh
ids, so tests of one module share the app without seeing each other's people. The encoder is
the one fixture of ``tests/matcher_fixtures.py``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats.js.errors
import pytest
import pytest_asyncio
from tests.matcher_fixtures import encoder

from peerlearn import events
from peerlearn.auth import TokenIssuer
from peerlearn.bus import Bus, ensure_streams
from peerlearn.store import Database
from peerlearn.streams import stream_events
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.tap import StreamTap
from peerlearn.testing.waiting import eventually, settled
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.app import create_app
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.settings import MatcherSettings, load
from peerlearn_matcher.usecases.matcher import Matcher

__all__ = ["encoder"]


def skill(name: str, level: int, wants: bool = False) -> events.Skill:
    return events.Skill(name=name, level=level, wants=wants)


def person(
    org_id: str,
    name: str,
    *,
    have: dict[str, int] | None = None,
    want: dict[str, int] | None = None,
    roles: tuple[str, ...] = ("learner",),
    goal: str = "",
    timezone: str = "Europe/Berlin",
    weekly_hours: float = 5.0,
    mentor_capacity: int = 0,
    open_to_external: bool = False,
    cohort_ids: tuple[str, ...] = (),
    person_id: str | None = None,
) -> events.PersonProfile:
    """A profile as profiles would publish it."""
    skills = [skill(n, lv) for n, lv in (have or {}).items()] + [
        skill(n, lv, True) for n, lv in (want or {}).items()
    ]
    return events.PersonProfile(
        id=person_id or f"p-{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}",
        org_id=org_id,
        display_name=name,
        roles=list(roles),  # type: ignore[arg-type]
        goal=goal,
        timezone=timezone,
        weekly_hours=weekly_hours,
        mentor_capacity=mentor_capacity,
        open_to_external=open_to_external,
        skills=skills,
        cohort_ids=list(cohort_ids),
    )


def new_org() -> str:
    return f"org-{uuid.uuid4().hex[:10]}"


@dataclass
class Harness:
    """The running matcher, a client, the bus, a tap on what it publishes, and helpers."""

    client: httpx.AsyncClient
    parts: Matcher
    bus: Bus
    tap: StreamTap
    issuer: TokenIssuer = field(default_factory=lambda: TokenIssuer(TEST_JWT_SECRET))

    @property
    def database(self) -> Database:
        return self.parts.index.database

    @property
    def engine(self) -> Engine:
        """The app's in-memory model."""
        return self.parts.index.engine

    def headers(self, profile: events.PersonProfile, roles: tuple[str, ...] | None = None) -> dict[str, str]:
        token = self.issuer.issue(profile.id, profile.org_id, list(roles or profile.roles)).token
        return {"Authorization": f"Bearer {token}"}

    def token_for(self, person_id: str, org_id: str, roles: tuple[str, ...] = ("learner",)) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(person_id, org_id, list(roles)).token}"}

    admin = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}

    async def publish(self, data: events.Data, *, event_id: str | None = None, **kw: Any) -> events.Event:
        """Publish a real event to JetStream (as profiles or forum would) and wait until handled."""
        event = events.make_event(data, event_id=event_id, **kw)
        await self.bus.publish(event)
        await self.processed(event.id)
        return event

    async def publish_raw(self, event: events.Event) -> None:
        await self.bus.publish_raw(
            event.type, events.encode(event), event.id + "-again-" + uuid.uuid4().hex[:6]
        )

    async def processed(self, event_id: str) -> None:
        """Wait until the app applied the event and the refreshes it caused are done."""
        await settled(self.database, [event_id], within=20)

        async def idle() -> bool:
            return self.parts.idle

        await eventually(idle, timeout=20)

    async def upsert(self, profile: events.PersonProfile) -> events.PersonProfile:
        await self.publish(events.PersonUpserted(person=profile), org_id=profile.org_id)
        return profile

    async def cohort(self, name: str, owner: str, *orgs: str) -> str:
        cohort_id = f"c-{uuid.uuid4().hex[:10]}"
        await self.publish(
            events.CohortCreated(
                cohort_id=cohort_id, name=name, owner_org_id=owner, member_org_ids=list(orgs)
            )
        )
        return cohort_id

    async def join(self, cohort_id: str, profile: events.PersonProfile) -> None:
        await self.publish(
            events.CohortMemberAdded(cohort_id=cohort_id, person_id=profile.id, org_id=profile.org_id)
        )

    async def suggestions(
        self, profile: events.PersonProfile, kind: str | None = None
    ) -> list[dict[str, Any]]:
        params = {"limit": 100} | ({"kind": kind} if kind else {})
        response = await self.client.get(
            f"/v1/people/{profile.id}/suggestions", params=params, headers=self.headers(profile)
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def candidates(self, profile: events.PersonProfile, kind: str | None = None) -> list[str]:
        return [s["candidate_id"] for s in await self.suggestions(profile, kind)]

    async def matcher_events(self, subject: str) -> list[events.Event]:
        await eventually(lambda: self._relayed(), timeout=10)
        return await stream_events(self.bus, "MATCHER", subject)

    async def _relayed(self) -> bool:
        return await self.live_relay_pending() == 0

    async def live_relay_pending(self) -> int:
        relay = self.client.app.state.relay  # type: ignore[attr-defined]
        return int(await relay.pending())


async def empty_streams(bus: Bus) -> None:
    """Start from empty streams and no durable consumers (the other engine's run used this server)."""
    for name in (*events.STREAMS, events.DEADLETTER_STREAM):
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await bus.js.delete_stream(name)
    await ensure_streams(bus.js)


def matcher_settings(nats_url: str, data_dir: Path, **overrides: str) -> MatcherSettings:
    """The matcher's settings in these tests (``overrides``: further ``PEERLEARN_MATCHER_*``)."""
    return load(
        {
            "PEERLEARN_DATA_DIR": str(data_dir),
            "PEERLEARN_NATS_URL": nats_url,
            "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
            "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
            "PEERLEARN_RATE_LIMIT_PER_MINUTE": "10000",
            "PEERLEARN_MATCHER_LOAD_CAP_PER_WEEK": "5",
            "PEERLEARN_MATCHER_MIN_FEEDBACK_FOR_MODEL": "1000",
            **{f"PEERLEARN_MATCHER_{name.upper()}": value for name, value in overrides.items()},
        }
    )


@contextlib.asynccontextmanager
async def feeder(nats_url: str) -> AsyncIterator[tuple[Bus, StreamTap]]:
    """A bus to publish on, from empty streams, and a tap on what the matcher publishes."""
    bus = Bus(nats_url, name="matcher-test-feeder")
    await bus.connect(timeout=10)
    await empty_streams(bus)
    tap = await StreamTap("matcher.>").start(nats_url)
    try:
        yield bus, tap
    finally:
        await tap.stop()
        await bus.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def matcher(
    module_nats: NatsServer,
    module_database_url: str,
    encoder: Encoder,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Harness]:
    """The matcher app on this module's NATS and database, started once for the module (per engine)."""
    settings = matcher_settings(module_nats.url, tmp_path_factory.mktemp("var"))
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    app = create_app(settings, database=database, encoder=encoder)
    try:
        async with feeder(module_nats.url) as (bus, tap), app_client(app) as client:
            parts: Matcher = app.state.matcher
            await parts.index.ready.wait()
            yield Harness(client=client, parts=parts, bus=bus, tap=tap)
    finally:
        await database.dispose()


def now() -> datetime:
    return datetime.now(UTC)


def thread(
    author: events.PersonProfile,
    title: str,
    *,
    visibility: str = "public",
    body: str = "",
    tags: tuple[str, ...] = (),
    kind: str = "question",
    cohort_id: str | None = None,
    org_id: str | None = None,
) -> events.ThreadCreated:
    """A new thread as the forum would publish it (org-private threads live in the author's org)."""
    return events.ThreadCreated(
        thread_id=f"t-{uuid.uuid4().hex[:10]}",
        space_id=f"s-{visibility}-{cohort_id or org_id or author.org_id}",
        visibility=visibility,  # type: ignore[arg-type]
        org_id=(org_id or author.org_id) if visibility == "org" else None,
        cohort_id=cohort_id if visibility == "cohort" else None,
        author_id=author.id,
        kind=kind,  # type: ignore[arg-type]
        title=title,
        body=body,
        tags=list(tags),
        created_at=now(),
    )


def _where(question: events.ThreadCreated) -> dict[str, Any]:
    return {
        "space_id": question.space_id,
        "visibility": question.visibility,
        "org_id": question.org_id,
        "cohort_id": question.cohort_id,
    }


async def answer(matcher: Harness, question: events.ThreadCreated, answerer: events.PersonProfile) -> str:
    """Publish an answer by ``answerer`` to a published thread; return the post id."""
    post_id = f"post-{uuid.uuid4().hex[:10]}"
    await matcher.publish(
        events.PostCreated(
            post_id=post_id,
            thread_id=question.thread_id,
            thread_title=question.title,
            body="Here is how.",
            author_id=answerer.id,
            asker_id=question.author_id,
            **_where(question),
        )
    )
    return post_id


async def accept(matcher: Harness, question: events.ThreadCreated, post_id: str, author_id: str) -> None:
    """Publish the asker's acceptance of the answer ``post_id`` by ``author_id``."""
    await matcher.publish(
        events.AnswerAccepted(
            thread_id=question.thread_id,
            post_id=post_id,
            answer_author_id=author_id,
            asker_id=question.author_id,
            title=question.title,
            tags=question.tags,
            **_where(question),
        )
    )


async def answered(matcher: Harness, question: events.ThreadCreated, answerer: events.PersonProfile) -> str:
    """Publish the thread, an answer by ``answerer`` and its acceptance; return the post id."""
    await matcher.publish(question)
    post_id = await answer(matcher, question, answerer)
    await accept(matcher, question, post_id, answerer.id)
    return post_id
