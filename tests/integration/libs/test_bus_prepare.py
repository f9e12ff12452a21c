"""A consumer's ``prepare`` hook on a real nats-server: it sees each fetched batch first, and
changes nothing about delivery (every event handled and acked once, failure or not)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.streams import stream_messages
from peerlearn.testing.waiting import eventually


def org_event(n: int) -> events.Event:
    return events.make_event(events.OrgCreated(org_id=f"o{n}", name=f"Org {n}", kind="partner"))


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def drained(bus: Bus, durable: str) -> bool:
    info = await bus.js.consumer_info("PROFILES", durable)
    return info.num_ack_pending == 0 and info.num_pending == 0


async def test_prepare_sees_the_fetched_batch_before_any_of_it_is_handled(bus: Bus) -> None:
    handled: list[str] = []
    batches: list[tuple[list[str], int]] = []  # (the batch's ids, how many were handled before)

    async def handler(event: events.Event) -> None:
        handled.append(event.id)

    async def prepare(batch: Sequence[events.Event]) -> None:
        batches.append(([e.id for e in batch], len(handled)))

    sent = [org_event(n) for n in range(6)]
    for event in sent:
        await bus.publish(event)
    consumer = Consumer(bus, stream="PROFILES", durable="t-prepare", handler=handler, prepare=prepare)
    task = asyncio.create_task(consumer.run())
    await eventually(lambda: asyncio.sleep(0, result=consumer.processed == len(sent)))
    await eventually(lambda: drained(bus, "t-prepare"))
    await stop(task)
    assert handled == [e.id for e in sent]  # each once, in order
    assert batches[0] == ([e.id for e in sent], 0)  # all six waiting: one batch, prepared first


async def test_a_failing_prepare_leaves_every_event_handled_and_acked(bus: Bus) -> None:
    handled: list[str] = []

    async def handler(event: events.Event) -> None:
        handled.append(event.id)

    async def prepare(batch: Sequence[events.Event]) -> None:
        raise RuntimeError("the model is not loaded")

    sent = [org_event(n) for n in range(3)]
    for event in sent:
        await bus.publish(event)
    await bus.publish_raw(events.ORG_CREATED, b"{not json", "garbage-prepare")
    consumer = Consumer(bus, stream="PROFILES", durable="t-prepare-fails", handler=handler, prepare=prepare)
    task = asyncio.create_task(consumer.run())
    await eventually(lambda: asyncio.sleep(0, result=consumer.processed == 3 and consumer.dead_lettered == 1))
    await eventually(lambda: drained(bus, "t-prepare-fails"))
    await stop(task)
    assert handled == [e.id for e in sent]
    letters = await stream_messages(bus, events.DEADLETTER_STREAM, events.deadletter_subject("PROFILES"))
    assert len(letters) == 1  # the payload that is no event is still dead-lettered, prepare or not
