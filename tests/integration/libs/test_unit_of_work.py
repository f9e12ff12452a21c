"""The unit of work and apply-once event handling, on SQLite and PostgreSQL with a real NATS.

A write's state and its event commit together or not at all; a read-only transaction refuses
events; an event is applied once however often it is delivered, and a handler that failed is
applied again on the next delivery.
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.consuming import Selective, apply_once, consumers_for, processed_events_table
from peerlearn.outbox import OutboxRelay
from peerlearn.store import Database
from peerlearn.testing.tap import StreamTap
from peerlearn.testing.waiting import eventually, settled
from peerlearn.unit_of_work import ReadOnly, Transaction, UnitOfWork

notes = sa.table("notes", sa.column("id"), sa.column("text"))
_metadata = sa.MetaData()
processed = processed_events_table(_metadata)


@pytest.fixture
async def uow(migrated: Database) -> UnitOfWork:
    async with migrated.engine.begin() as conn:
        await conn.run_sync(_metadata.create_all)
    return UnitOfWork(migrated)


def an_event(n: int) -> events.Event:
    return events.make_event(events.OrgCreated(org_id=f"o{n}", name=f"note {n}", kind="partner"))


async def note_texts(uow: UnitOfWork) -> list[str]:
    async with uow.reading() as tx:
        return list(await tx.session.scalars(sa.select(notes.c.text).order_by(notes.c.id)))


async def test_a_write_commits_its_state_and_its_event_together(uow: UnitOfWork) -> None:
    relay = OutboxRelay(uow.database, publish=None)  # type: ignore[arg-type]
    async with uow.writing() as tx:
        await tx.session.execute(sa.insert(notes).values(text="kept"))
        await tx.record(an_event(1))
    with pytest.raises(RuntimeError, match="refused"):
        async with uow.writing() as tx:
            await tx.session.execute(sa.insert(notes).values(text="rolled back"))
            await tx.record(an_event(2))
            raise RuntimeError("refused")
    assert await note_texts(uow) == ["kept"]
    assert await relay.pending() == 1


async def test_a_read_only_transaction_refuses_an_event_and_commits_nothing(uow: UnitOfWork) -> None:
    with pytest.raises(ReadOnly):
        async with uow.reading() as tx:
            await tx.record(an_event(1))
    relay = OutboxRelay(uow.database, publish=None)  # type: ignore[arg-type]
    assert await relay.pending() == 0


async def test_after_commit_runs_only_when_the_transaction_commits(uow: UnitOfWork) -> None:
    seen: list[str] = []
    async with uow.writing() as tx:
        tx.after_commit(lambda: seen.append("committed"))
        assert seen == []
    with pytest.raises(RuntimeError):
        async with uow.writing() as tx:
            tx.after_commit(lambda: seen.append("rolled back"))
            raise RuntimeError
    assert seen == ["committed"]


async def test_an_event_is_applied_once_and_a_failed_one_again(uow: UnitOfWork) -> None:
    attempts: list[str] = []

    async def add_note(tx: Transaction, event: events.Event) -> None:
        attempts.append(event.id)
        await tx.session.execute(sa.insert(notes).values(text=event.id))
        if len(attempts) == 1:
            raise RuntimeError("the first try fails after writing")

    handlers = {events.ORG_CREATED: add_note}
    event = an_event(1)
    with pytest.raises(RuntimeError):
        await apply_once(uow, processed, handlers, event)
    assert await note_texts(uow) == []  # the failed try left nothing, not even its claim
    assert await apply_once(uow, processed, handlers, event) is True
    assert await apply_once(uow, processed, handlers, event) is False
    assert await note_texts(uow) == [event.id]
    assert len(attempts) == 2
    other = events.make_event(events.PersonDeleted(person_id="p", org_id="o"))
    assert await apply_once(uow, processed, handlers, other) is False  # not handled here


async def test_a_selective_handler_skips_what_it_does_not_want_without_a_write(uow: UnitOfWork) -> None:
    async def add_note(tx: Transaction, event: events.Event) -> None:
        await tx.session.execute(sa.insert(notes).values(text=event.id))

    def partners_only(event: events.Event) -> bool:
        return isinstance(event.data, events.OrgCreated) and event.data.kind == "partner"

    handlers = {events.ORG_CREATED: Selective(partners_only, add_note)}
    skipped = events.make_event(events.OrgCreated(org_id="o-own", name="Own", kind="customer"))
    wanted = an_event(2)
    assert await apply_once(uow, processed, handlers, skipped) is False
    assert await apply_once(uow, processed, handlers, wanted) is True
    assert await apply_once(uow, processed, handlers, wanted) is False
    assert await note_texts(uow) == [wanted.id]
    async with uow.reading() as tx:  # the skipped event left no processed-event row either
        claimed = set(await tx.session.scalars(sa.select(processed.c.event_id)))
    assert claimed == {wanted.id}


async def test_concurrent_deliveries_of_one_event_apply_it_once(uow: UnitOfWork) -> None:
    # On PostgreSQL the claims race on one row; on SQLite the writers queue. Once either way.
    async def add_note(tx: Transaction, event: events.Event) -> None:
        await tx.session.execute(sa.insert(notes).values(text=event.id))
        await asyncio.sleep(0.05)

    event = an_event(1)
    results = await asyncio.gather(
        *(apply_once(uow, processed, {events.ORG_CREATED: add_note}, event) for _ in range(5))
    )
    assert sorted(results) == [False, False, False, False, True]
    assert await note_texts(uow) == [event.id]


async def test_consumers_deliver_the_handled_subjects_once_each(uow: UnitOfWork, bus: Bus) -> None:
    applied: list[str] = []

    async def add_note(tx: Transaction, event: events.Event) -> None:
        applied.append(event.id)
        await tx.session.execute(sa.insert(notes).values(text=event.id))

    (consumer,) = consumers_for(
        bus, uow, processed, {events.ORG_CREATED: add_note}, service="notes", streams=["PROFILES"]
    )
    assert consumer.durable == "notes-profiles"
    assert consumer.subjects == [events.ORG_CREATED]
    first, second = an_event(1), an_event(2)
    for event in (first, second):
        await bus.publish(event)
    # The same event again under another message id: JetStream cannot tell, apply-once can.
    await bus.publish_raw(first.type, events.encode(first), msg_id="again-" + first.id)
    await bus.publish(events.make_event(events.PersonDeleted(person_id="p", org_id="o")))
    task = asyncio.create_task(consumer.run())
    try:
        await settled(uow.database, [first.id, second.id])
        await eventually(lambda: asyncio.sleep(0, consumer.processed >= 3))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert consumer.processed == 3  # the unhandled subject was never delivered
    assert sorted(await note_texts(uow)) == sorted([first.id, second.id])
    assert applied.count(first.id) == 1


def test_a_stream_no_handler_consumes_is_a_mistake_said_at_start() -> None:
    async def nothing(tx: Transaction, event: events.Event) -> None:
        return None

    with pytest.raises(ValueError, match="stream FORUM"):
        consumers_for(
            None,  # type: ignore[arg-type]
            None,  # type: ignore[arg-type]
            processed,
            {events.ORG_CREATED: nothing},
            service="notes",
            streams=["FORUM"],
        )


async def test_the_stream_tap_sees_what_was_published_after_its_mark(bus: Bus, nats_url: str) -> None:
    before = an_event(1)
    await bus.publish(before)
    tap = await StreamTap("profiles.>", within=5).start(nats_url)
    try:
        await tap.wait_for(lambda e: e.id == before.id)
        mark = tap.mark()
        after = an_event(2)
        await bus.publish(after)
        assert [e.id for e in await tap.wait_count(1, after=mark, org_id="o2")] == [after.id]
        assert tap.matching(after=mark, org_id="o1") == []
    finally:
        await tap.stop()
