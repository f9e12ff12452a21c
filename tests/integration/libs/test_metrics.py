"""GET /metrics: what an operator on call reads — requests by route and status, the outbox backlog,
NATS, and each consumer's lag, retries and dead letters — on a service built by the kit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import httpx
import msgspec
import pytest
import sqlalchemy as sa
from litestar import get, post
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events, outbox
from peerlearn.bus import Bus, Consumer
from peerlearn.runner import free_port
from peerlearn.service import create_service_app
from peerlearn.settings import ServiceSettings, load_settings
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.waiting import eventually

SAMPLE_MIGRATIONS = Path(__file__).parent / "sample_migrations"
notes = sa.table("notes", sa.column("id"), sa.column("text"))


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str


@post("/v1/notes")
async def add_note(data: NoteIn, db_session: AsyncSession) -> dict[str, str]:
    await db_session.execute(sa.insert(notes).values(text=data.text))
    await outbox.record(
        db_session, events.make_event(events.OrgCreated(org_id=data.text, name=data.text, kind="partner"))
    )
    return {"text": data.text}


@get("/v1/notes/{note_id:str}")
async def read_note(note_id: str) -> dict[str, str]:
    return {"id": note_id}


def sample_app(
    database: Database,
    nats_url: str,
    tmp_path: Path,
    consumers: Callable[[Bus, Database], Sequence[Consumer]] | None = None,
) -> object:
    env = {
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "PEERLEARN_NATS_URL": nats_url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
        "PEERLEARN_READ_RATE_LIMIT_PER_MINUTE": "5",
    }
    settings = load_settings(ServiceSettings, "sample", env)
    return create_service_app(
        settings,
        title="sample",
        route_handlers=[add_note, read_note],
        migrations=SAMPLE_MIGRATIONS,
        database=database,
        consumers=consumers,
    )


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, keyed by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def client(database: Database, nats_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(sample_app(database, nats_url, tmp_path)) as test_client:  # type: ignore[arg-type]
        yield test_client


async def test_requests_are_counted_by_route_template_and_the_status_sent(client: httpx.AsyncClient) -> None:
    before = await scrape(client)  # counters are per process: this test counts what it adds
    for note in ("n-alpha", "n-beta", "n-gamma", "n-delta", "n-epsilon", "n-zeta", "n-eta"):
        await client.get(f"/v1/notes/{note}")  # the read limit is 5 a minute: the last two are 429
    response = await client.get("/metrics")
    assert "n-alpha" not in response.text  # one series per route, never per id
    samples = await scrape(client)
    route = {"app_name": "sample", "method": "GET", "path": "/v1/notes/{note_id}"}
    for name, status, added in (
        ("peerlearn_requests_total", "200", 5),
        ("peerlearn_requests_total", "429", 2),
        ("peerlearn_request_duration_seconds_count", "200", 5),
    ):
        grew = value(samples, name, **route, status_code=status) - value(
            before, name, **route, status_code=status
        )
        assert grew == added, (name, status)
    # A scrape does not count itself.
    assert not any(labels and ("path", "/metrics") in labels for _, labels in samples)


async def test_the_outbox_backlog_and_the_nats_connection_while_nats_is_down(
    database: Database, tmp_path: Path
) -> None:
    unreachable = f"nats://127.0.0.1:{free_port()}"
    async with app_client(sample_app(database, unreachable, tmp_path), wait_for_nats=False) as client:  # type: ignore[arg-type]
        for text in ("one", "two", "three"):
            assert (await client.post("/v1/notes", json={"text": text})).status_code == 201
        samples = await scrape(client)
    assert value(samples, "peerlearn_outbox_backlog_events", service="sample") == 3
    assert value(samples, "peerlearn_nats_connected", service="sample") == 0


async def test_a_consumers_lag_retries_and_dead_letters(
    database: Database, nats_url: str, tmp_path: Path
) -> None:
    release = asyncio.Event()
    durable = f"metrics-{free_port()}"  # counters are per process: a name of this test's own

    async def handler(event: events.Event) -> None:
        if isinstance(event.data, events.OrgCreated) and event.data.name == "poison":
            raise ValueError("cannot apply this one")
        await release.wait()

    def consumers(bus: Bus, _database: Database) -> list[Consumer]:
        return [
            Consumer(
                bus,
                stream="PROFILES",
                durable=durable,
                handler=handler,
                max_deliver=2,
                backoff=lambda _n: 0.1,
            )
        ]

    publisher = Bus(nats_url)
    await publisher.connect(timeout=10)
    try:
        async with app_client(sample_app(database, nats_url, tmp_path, consumers)) as client:  # type: ignore[arg-type]
            labels = {"service": "sample", "stream": "PROFILES", "durable": durable}
            for name in ("a", "b", "poison"):
                await publisher.publish(
                    events.make_event(events.OrgCreated(org_id=name, name=name, kind="partner"))
                )

            async def held() -> bool:
                # "a" is being handled (unacked), the rest wait behind it in the same fetch.
                return value(await scrape(client), "peerlearn_consumer_ack_pending_messages", **labels) >= 1

            await eventually(held, timeout=20)
            release.set()

            async def finished() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
                samples = await scrape(client)
                dead = value(
                    samples,
                    "peerlearn_consumer_messages_total",
                    stream="PROFILES",
                    durable=durable,
                    outcome="dead_lettered",
                )
                pending = value(samples, "peerlearn_consumer_ack_pending_messages", **labels)
                return samples if dead == 1 and pending == 0 else {}

            samples = await eventually(finished, timeout=30)
    finally:
        await publisher.close()
    by_outcome = {"stream": "PROFILES", "durable": durable}
    assert value(samples, "peerlearn_consumer_messages_total", **by_outcome, outcome="handled") == 2
    assert value(samples, "peerlearn_consumer_messages_total", **by_outcome, outcome="retried") == 1
    assert value(samples, "peerlearn_consumer_pending_messages", **labels) == 0
    assert value(samples, "peerlearn_nats_connected", service="sample") == 1
