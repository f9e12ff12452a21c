"""What an operator sees of the dead-letter stream: ``peerlearn deadletters``.

Every message that a consumer could not process after ``max_deliver`` attempts (or could
not decode at all) is kept in the ``DEADLETTER`` stream with its error, its original
payload and where it came from. This lists them, oldest first, and can replay one onto
its original subject once the cause is fixed (the original ``Nats-Msg-Id`` is not reused,
so JetStream does not drop the replay as a duplicate).
"""

from __future__ import annotations

import msgspec

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.streams import stream_messages


async def list_dead_letters(bus: Bus, stream: str | None = None) -> list[events.DeadLetter]:
    """Every dead letter (of one source stream, or of all)."""
    subject = events.deadletter_subject(stream) if stream else f"{events.DEADLETTER_PREFIX}.>"
    return [
        msgspec.json.decode(m, type=events.DeadLetter)
        for m in await stream_messages(bus, events.DEADLETTER_STREAM, subject)
    ]


async def replay(bus: Bus, letter: events.DeadLetter) -> None:
    """Publish the dead letter's original payload again on its original subject."""
    await bus.publish_raw(
        letter.subject, letter.payload.encode(), f"replay:{letter.consumer}:{letter.stream_seq}"
    )


def describe(letter: events.DeadLetter) -> str:
    """One line per dead letter for the terminal."""
    return (
        f"{letter.failed_at:%Y-%m-%d %H:%M:%S} {letter.stream}#{letter.stream_seq} {letter.subject} "
        f"consumer={letter.consumer} deliveries={letter.deliveries} msg_id={letter.msg_id}: {letter.error}"
    )
