"""The transactional outbox on SQLite and PostgreSQL with a real nats-server.

Writes succeed while NATS is down; once it is back every event arrives, in order, once;
a relay that dies between publish and mark-sent causes no duplicate delivery.
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from peerlearn import events, outbox
from peerlearn.bus import Bus
from peerlearn.outbox import OutboxRelay
from peerlearn.store import Database
from peerlearn.streams import stream_messages
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.waiting import eventually

notes = sa.table("notes", sa.column("id"), sa.column("text"))


async def write_note(database: Database, n: int) -> events.Event:
    """One state change and its event, in one transaction."""
    event = events.make_event(events.OrgCreated(org_id=f"o{n}", name=f"note {n}", kind="partner"))
    async with database.transaction() as session:
        await session.execute(sa.insert(notes).values(text=f"note {n}"))
        await outbox.record(session, event)
    return event


async def published_ids(bus: Bus) -> list[str]:
    return [events.decode(m).id for m in await stream_messages(bus, "PROFILES", "profiles.>")]


async def test_writes_succeed_while_nats_is_down_and_arrive_in_order_once_it_is_back(
    migrated: Database, nats_server: NatsServer
) -> None:
    nats_server.stop()
    bus = Bus(nats_server.url, publish_timeout=1.0)
    bus.connect_in_background()
    relay = OutboxRelay(migrated, bus.publish_raw, poll_interval=0.1, max_backoff=0.5)
    relay_task = asyncio.create_task(relay.run())
    try:
        written = [await asyncio.wait_for(write_note(migrated, n), 5) for n in range(100)]
        assert await relay.pending() == 100

        nats_server.start()
        await eventually(lambda: _zero(relay), timeout=30)
        assert await published_ids(bus) == [e.id for e in written]
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
        await bus.close()


async def _zero(relay: OutboxRelay) -> bool:
    return await relay.pending() == 0


async def test_a_rolled_back_change_publishes_nothing(migrated: Database, bus: Bus) -> None:
    event = events.make_event(events.OrgCreated(org_id="o1", name="never", kind="partner"))
    with pytest.raises(RuntimeError):
        async with migrated.transaction() as session:
            await session.execute(sa.insert(notes).values(text="never"))
            await outbox.record(session, event)
            raise RuntimeError("the request failed after the write")
    relay = OutboxRelay(migrated, bus.publish_raw)
    assert await relay.relay_once() == 0
    assert await published_ids(bus) == []


async def test_a_relay_killed_between_publish_and_mark_causes_no_duplicate(
    migrated: Database, bus: Bus
) -> None:
    written = [await write_note(migrated, n) for n in range(10)]
    first = OutboxRelay(migrated, bus.publish_raw)
    assert await first.relay_once() == 10
    # The crash window: JetStream acknowledged, but the transaction marking the rows was lost.
    async with migrated.transaction() as session:
        await session.execute(sa.text("UPDATE outbox SET sent_at = NULL"))
    restarted = OutboxRelay(migrated, bus.publish_raw)
    assert await restarted.relay_once() == 10  # published again…
    assert await restarted.pending() == 0
    assert await published_ids(bus) == [e.id for e in written]  # …and JetStream kept one of each


async def test_a_commit_wakes_the_relay_at_once(migrated: Database, bus: Bus) -> None:
    relay = OutboxRelay(migrated, bus.publish_raw, poll_interval=60)  # polling alone would take a minute
    migrated.sessions.configure(info={"outbox_signal": relay.wake})
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.2)
        event = await write_note(migrated, 1)
        await eventually(lambda: _zero(relay), timeout=5)
        assert await published_ids(bus) == [event.id]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_drain_publishes_what_is_pending(migrated: Database, bus: Bus) -> None:
    for n in range(450):  # more than one batch
        await write_note(migrated, n)
    relay = OutboxRelay(migrated, bus.publish_raw, batch_size=200)
    await relay.drain()
    assert await relay.pending() == 0
    assert len(await published_ids(bus)) == 450
