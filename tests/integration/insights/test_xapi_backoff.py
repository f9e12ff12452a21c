"""The back-off of a down LRS is kept with the statements: every waiting statement of its orgs
waits (not only the batch that was tried), and a sender started anew (a restart) waits too; a
statement of a person the directory does not know yet waits for them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
import sqlalchemy as sa

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.runner import free_port
from peerlearn.sealing import SecretSealer
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.waiting import eventually
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.adapters.statement_outbox import statement_outbox
from peerlearn_insights.app import create_app, statement_sender

from .conftest import Insights, Person, insights_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")

SETTINGS = {
    # Nothing listens there; a minute's first wait, so that no second try comes in a test.
    "xapi_endpoint": f"http://127.0.0.1:{free_port()}/xAPI",
    "xapi_username": "peerlearn",
    "xapi_password": "pw",
    "xapi_batch_size": 2,
    "xapi_poll_seconds": 0.05,
    "xapi_retry_seconds": 60.0,
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def dead_lrs_insights(
    module_database_url: str, module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Insights]:
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    settings = insights_settings(tmp_path_factory.mktemp("var"), module_nats.url, **SETTINGS)
    bus = Bus(module_nats.url, name="insights-backoff-test")
    async with app_client(create_app(settings, database=database)) as client:
        await bus.connect(timeout=10)
        try:
            yield Insights(client=client, database=database, bus=bus)
        finally:
            await bus.close()


async def waits(insights: Insights, person_id: str) -> list[tuple[str, datetime, str | None]]:
    box = statement_outbox
    async with insights.database.reading() as session:
        rows = await session.execute(
            sa.select(box.c.status, box.c.next_attempt_at, box.c.last_error).where(
                box.c.person_id == person_id
            )
        )
        return [(row.status, row.next_attempt_at, row.last_error) for row in rows]


async def test_a_down_lrs_makes_all_its_statements_wait_across_a_restart(
    dead_lrs_insights: Insights, tmp_path: Path
) -> None:
    insights = dead_lrs_insights
    org = "o-" + uuid.uuid4().hex[:8]
    # The acts come before the person is known (a statement waits for its person's org), so
    # that all six wait when the first batch is tried.
    learner = Person(id="p-" + uuid.uuid4().hex[:10], org_id=org, roles=("learner",))
    for n in range(6):
        await insights.thread(learner, title=f"Question {n}")
    await insights.settle()
    assert [error for _, _, error in await waits(insights, learner.id)] == [None] * 6
    profile = events.PersonProfile(id=learner.id, org_id=org, display_name="Learner", roles=["learner"])
    await insights.publish(events.PersonUpserted(person=profile))
    await insights.settle()

    async def tried() -> bool:
        return any(error is not None for _, _, error in await waits(insights, learner.id))

    await eventually(tried)
    later = datetime.now(UTC) + timedelta(seconds=30)
    rows = await waits(insights, learner.id)
    # One batch of 2 was tried; all 6 wait out the back-off.
    assert len(rows) == 6 and all(status == "pending" and at > later for status, at, _ in rows), rows
    # A sender started anew over the same database finds nothing due.
    settings = insights_settings(tmp_path, "nats://127.0.0.1:1", **SETTINGS)
    sender = statement_sender(
        settings, UnitOfWork(insights.database), SecretSealer("s", "insights lrs password")
    )
    assert await sender.dispatch_due() == 0
