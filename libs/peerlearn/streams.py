"""Reading what a JetStream stream holds: for operators (dead letters) and for tests."""

from __future__ import annotations

from nats.js.api import ConsumerConfig, DeliverPolicy

from peerlearn import events
from peerlearn.bus import Bus


async def stream_messages(bus: Bus, stream: str, subject: str) -> list[bytes]:
    """Every message in ``stream`` on ``subject``, in order, read by an ephemeral consumer."""
    info = await bus.js.stream_info(stream)
    if info.state.messages == 0:
        return []
    sub = await bus.js.pull_subscribe(
        subject, stream=stream, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    )
    out: list[bytes] = []
    try:
        while True:
            try:
                batch = await sub.fetch(100, timeout=0.5)
            except TimeoutError:  # nats-py raises its own subclass or asyncio.TimeoutError
                break
            out += [m.data for m in batch]
            for m in batch:
                await m.ack()
    finally:
        await sub.unsubscribe()
    return out


async def stream_events(bus: Bus, stream: str, subject: str = ">") -> list[events.Event]:
    """Every event in ``stream`` (optionally one subject), decoded."""
    return [events.decode(m) for m in await stream_messages(bus, stream, subject)]
