"""The bus on a real nats-server: delivery, dedupe, redelivery, dead letters, restarts."""

from __future__ import annotations

import asyncio
from collections import Counter

import msgspec
import pytest

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.streams import stream_messages
from peerlearn.testing.waiting import eventually


def org_event(n: int, *, event_id: str | None = None) -> events.Event:
    return events.make_event(
        events.OrgCreated(org_id=f"o{n}", name=f"Org {n}", kind="partner"), event_id=event_id
    )


def run(consumer: Consumer) -> asyncio.Task[None]:
    return asyncio.create_task(consumer.run())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_published_event_reaches_the_handler(bus: Bus) -> None:
    seen: list[events.Event] = []

    async def handler(event: events.Event) -> None:
        seen.append(event)

    task = run(Consumer(bus, stream="PROFILES", durable="t-roundtrip", handler=handler))
    sent = org_event(1)
    assert await bus.publish(sent) is True
    await eventually(lambda: asyncio.sleep(0, result=seen))
    await stop(task)
    assert seen == [sent]


async def test_the_same_msg_id_twice_is_consumed_once(bus: Bus) -> None:
    seen: list[str] = []

    async def handler(event: events.Event) -> None:
        seen.append(event.id)

    event = org_event(1)
    assert await bus.publish(event) is True
    assert await bus.publish(event) is False  # JetStream says: duplicate
    await bus.publish(org_event(2))
    task = run(Consumer(bus, stream="PROFILES", durable="t-dedupe", handler=handler))
    await eventually(lambda: asyncio.sleep(0, result=len(seen) >= 2))
    await asyncio.sleep(0.3)
    await stop(task)
    assert Counter(seen)[event.id] == 1
    assert len(seen) == 2


async def test_a_handler_that_fails_twice_is_redelivered_and_acked(bus: Bus) -> None:
    attempts: list[int] = []

    async def flaky(event: events.Event) -> None:
        attempts.append(1)
        if len(attempts) <= 2:
            raise RuntimeError("database hiccup")

    consumer = Consumer(
        bus, stream="PROFILES", durable="t-flaky", handler=flaky, max_deliver=5, backoff=lambda n: 0.05
    )
    task = run(consumer)
    await bus.publish(org_event(1))
    await eventually(lambda: asyncio.sleep(0, result=consumer.processed == 1))
    await asyncio.sleep(0.3)
    await stop(task)
    assert len(attempts) == 3
    assert consumer.dead_lettered == 0
    info = await bus.js.consumer_info("PROFILES", "t-flaky")
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_a_handler_that_always_fails_dead_letters_after_max_deliver(bus: Bus) -> None:
    attempts: list[int] = []

    async def broken(event: events.Event) -> None:
        attempts.append(1)
        raise ValueError("cannot apply this event")

    consumer = Consumer(
        bus, stream="PROFILES", durable="t-broken", handler=broken, max_deliver=3, backoff=lambda n: 0.05
    )
    task = run(consumer)
    event = org_event(7)
    await bus.publish(event)
    await eventually(lambda: asyncio.sleep(0, result=consumer.dead_lettered == 1))
    await asyncio.sleep(0.5)  # give a wrong redelivery the chance to show up
    await stop(task)
    assert len(attempts) == 3

    letters = await stream_messages(bus, events.DEADLETTER_STREAM, events.deadletter_subject("PROFILES"))
    assert len(letters) == 1
    letter = msgspec.json.decode(letters[0], type=events.DeadLetter)
    assert letter.deliveries == 3
    assert "ValueError: cannot apply this event" in letter.error
    assert letter.msg_id == event.id and events.decode(letter.payload.encode()) == event


async def test_a_payload_that_is_not_an_event_is_dead_lettered_at_once(bus: Bus) -> None:
    seen: list[events.Event] = []

    async def handler(event: events.Event) -> None:
        seen.append(event)

    consumer = Consumer(bus, stream="PROFILES", durable="t-garbage", handler=handler)
    task = run(consumer)
    await bus.publish_raw(events.ORG_CREATED, b"{not json", "garbage-1")
    await bus.publish(org_event(2))
    await eventually(lambda: asyncio.sleep(0, result=consumer.dead_lettered == 1 and len(seen) == 1))
    await stop(task)
    letters = await stream_messages(bus, events.DEADLETTER_STREAM, "deadletter.>")
    assert "malformed envelope" in msgspec.json.decode(letters[0], type=events.DeadLetter).error


async def test_a_consumer_restarted_mid_stream_resumes_without_loss_or_repetition(bus: Bus) -> None:
    handled: list[str] = []
    block_at = 20
    blocked = asyncio.Event()

    async def handler(event: events.Event) -> None:
        if len(handled) == block_at and not blocked.is_set():
            blocked.set()
            await asyncio.Event().wait()  # the process "dies" while handling this one
        handled.append(event.id)

    published = [org_event(i) for i in range(50)]
    for event in published:
        await bus.publish(event)

    first = run(Consumer(bus, stream="PROFILES", durable="t-restart", handler=handler, ack_wait=1.0, batch=8))
    await asyncio.wait_for(blocked.wait(), 10)
    await stop(first)
    assert len(handled) == block_at

    second = Consumer(bus, stream="PROFILES", durable="t-restart", handler=handler, ack_wait=1.0, batch=8)
    task = run(second)
    await eventually(lambda: asyncio.sleep(0, result=len(handled) >= 50))
    await asyncio.sleep(1.5)  # past ack_wait: anything unacked would come back now
    await stop(task)
    assert sorted(handled) == sorted(e.id for e in published)
    assert len(handled) == len(set(handled)) == 50


async def test_a_consumer_outlives_a_nats_restart(nats_server, bus: Bus) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    async def handler(event: events.Event) -> None:
        seen.append(event.id)

    task = run(Consumer(bus, stream="PROFILES", durable="t-nats-restart", handler=handler))
    before = org_event(1)
    await bus.publish(before)
    await eventually(lambda: asyncio.sleep(0, result=seen == [before.id]))
    nats_server.restart()
    await eventually(lambda: asyncio.sleep(0, result=bus.connected), timeout=20)
    after = org_event(2)
    await eventually(lambda: _try_publish(bus, after), timeout=20)
    await eventually(lambda: asyncio.sleep(0, result=after.id in seen), timeout=20)
    await stop(task)
    assert seen == [before.id, after.id]


async def _try_publish(bus: Bus, event: events.Event) -> bool:
    try:
        await bus.publish(event)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("timeout", [0.5])
async def test_connect_to_an_unreachable_server_fails_clearly(timeout: float) -> None:
    from peerlearn.bus import BusUnavailable
    from peerlearn.runner import free_port

    url = f"nats://127.0.0.1:{free_port()}"
    with pytest.raises(BusUnavailable, match=url):
        await Bus(url).connect(timeout=timeout)


async def test_an_operator_lists_and_replays_dead_letters(bus: Bus, nats_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from peerlearn.cli import main

    fail = True
    seen: list[str] = []

    async def handler(event: events.Event) -> None:
        if fail:
            raise RuntimeError("downstream bug")
        seen.append(event.id)

    consumer = Consumer(bus, stream="PROFILES", durable="t-ops", handler=handler, max_deliver=1)
    task = run(consumer)
    event = org_event(3)
    await bus.publish(event)
    await eventually(lambda: asyncio.sleep(0, result=consumer.dead_lettered == 1))

    await asyncio.to_thread(main, ["deadletters", "--nats-url", nats_url])
    listing = capsys.readouterr().out
    assert (
        "profiles.org.created" in listing
        and "RuntimeError: downstream bug" in listing
        and event.id in listing
    )

    fail = False  # the bug is fixed; the operator replays
    await asyncio.to_thread(main, ["deadletters", "--nats-url", nats_url, "--replay"])
    await eventually(lambda: asyncio.sleep(0, result=seen == [event.id]))
    await stop(task)


async def test_a_message_whose_dead_lettering_fails_comes_back_instead_of_vanishing(bus: Bus) -> None:
    from peerlearn.bus import ensure_streams

    attempts: list[int] = []

    async def broken(event: events.Event) -> None:
        attempts.append(1)
        raise ValueError("cannot apply")

    await bus.js.delete_stream(events.DEADLETTER_STREAM)  # dead-lettering will fail for now
    consumer = Consumer(
        bus, stream="PROFILES", durable="t-dlq-down", handler=broken, max_deliver=1, backoff=lambda n: 0.05
    )
    task = run(consumer)
    await bus.publish(org_event(5))
    await eventually(lambda: asyncio.sleep(0, result=len(attempts) >= 3))
    assert consumer.dead_lettered == 0
    await ensure_streams(bus.js)  # the dead-letter stream is back
    await eventually(lambda: asyncio.sleep(0, result=consumer.dead_lettered == 1))
    await stop(task)
    letters = await stream_messages(bus, events.DEADLETTER_STREAM, "deadletter.>")
    assert len(letters) == 1


async def test_a_consumer_stops_when_cancelled_even_if_the_cancellation_is_wrapped(bus: Bus) -> None:
    # Libraries sometimes turn a cancellation into another error (nats-py does, when the
    # connection closes meanwhile); the consumer must still stop, or shutdown never ends.
    entered = asyncio.Event()

    async def wrapping(event: events.Event) -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RuntimeError("connection closed") from None

    task = run(Consumer(bus, stream="PROFILES", durable="t-wrapped", handler=wrapping))
    await bus.publish(org_event(9))
    await asyncio.wait_for(entered.wait(), 10)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert done == {task} and task.cancelled()


async def test_a_durable_given_a_new_subject_later_receives_it(bus: Bus) -> None:
    # A deployed service adds a handler: its durable consumer already exists with the old filter.
    # Reusing the durable as it is would never deliver the new subject (nats-py does not update it).
    seen: list[str] = []

    async def handler(event: events.Event) -> None:
        seen.append(event.type)

    old = run(
        Consumer(bus, stream="PROFILES", durable="t-refilter", handler=handler, subjects=[events.ORG_CREATED])
    )
    await bus.publish(org_event(1))
    await eventually(lambda: asyncio.sleep(0, result=events.ORG_CREATED in seen))
    await stop(old)

    wider = [events.ORG_CREATED, events.PERSON_DELETED]
    # ack_wait=1: the stopped consumer's pull request may still take a message on this shared
    # connection (a process that really stops takes its pull requests along).
    task = run(
        Consumer(bus, stream="PROFILES", durable="t-refilter", handler=handler, subjects=wider, ack_wait=1.0)
    )

    async def filters() -> list[str]:
        info = await bus.js.consumer_info("PROFILES", "t-refilter")
        return sorted(info.config.filter_subjects or [info.config.filter_subject or ">"])

    async def refiltered() -> bool:
        return await filters() == sorted(wider)

    # The new subject is delivered from the update on (a rebuild applies its history).
    await eventually(refiltered)
    await bus.publish(events.make_event(events.PersonDeleted(person_id="p1", org_id="o1")))
    await eventually(lambda: asyncio.sleep(0, result=events.PERSON_DELETED in seen))
    await stop(task)
    assert await filters() == sorted(wider)
    assert seen.count(events.PERSON_DELETED) == 1


async def test_an_upgraded_contacts_stream_keeps_no_address_from_before_its_subjects_were_keyed(
    bus: Bus,
) -> None:
    """A CONTACTS stream made before contacts were keyed by person holds them on the bare
    subject; the upgrade keeps one message per person's subject and none of the bare ones (an
    erasure, on the person's own subject, could never replace those)."""
    from nats.js.api import StreamConfig

    from peerlearn.bus import ensure_streams
    from peerlearn.events.contacts import CONTACT_UPDATED, ContactUpdated

    await bus.js.delete_stream("CONTACTS")
    await bus.js.add_stream(StreamConfig(name="CONTACTS", subjects=["contacts.>"]))  # as before
    for n in range(3):
        old = events.make_event(
            ContactUpdated(person_id=f"p-old{n}", org_id="o-1", email=f"old{n}@x.example")
        )
        await bus.publish_raw(CONTACT_UPDATED, events.encode(old), old.id)
    await ensure_streams(bus.js, only=["CONTACTS"])
    for n in range(2):  # the same person twice, then another, on their own subjects
        await bus.publish(
            events.make_event(ContactUpdated(person_id="p-new", org_id="o-1", email=f"n{n}@x.example"))
        )
    await bus.publish(
        events.make_event(ContactUpdated(person_id="p-other", org_id="o-1", email="o@x.example"))
    )
    kept = [events.decode(raw).data for raw in await stream_messages(bus, "CONTACTS", "contacts.>")]
    assert sorted((c.person_id, c.email) for c in kept) == [  # type: ignore[attr-defined]
        ("p-new", "n1@x.example"),
        ("p-other", "o@x.example"),
    ]


async def test_an_event_waiting_for_another_is_tried_past_max_deliver_until_its_patience_runs_out(
    bus: Bus,
) -> None:
    from peerlearn.bus import NotYet

    tries: Counter[str] = Counter()
    ready = asyncio.Event()

    async def waits(event: events.Event) -> None:
        tries[event.id] += 1
        if not ready.is_set():
            raise NotYet("the asker's profile has not arrived")

    patient = Consumer(
        bus, stream="PROFILES", durable="t-not-yet", handler=waits, max_deliver=2, backoff=lambda n: 0.05
    )
    task = run(patient)
    first = org_event(31)
    await bus.publish(first)
    await eventually(lambda: asyncio.sleep(0, result=tries[first.id] >= 6))  # past max_deliver
    ready.set()
    await eventually(lambda: asyncio.sleep(0, result=patient.processed == 1))
    assert patient.dead_lettered == 0
    await stop(task)

    ready.clear()
    impatient = Consumer(
        bus,
        stream="PROFILES",
        durable="t-not-yet-impatient",
        handler=waits,
        max_deliver=2,
        backoff=lambda n: 0.05,
        patience=0.5,
    )
    task = run(impatient)
    await eventually(lambda: asyncio.sleep(0, result=impatient.dead_lettered == 1))  # given up, visibly
    await stop(task)
