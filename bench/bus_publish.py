"""Publishing throughput: raw nats-py JetStream publish vs peerlearn's Bus vs the outbox path.

Baseline, measured in the same run on the same nats-server: ``js.publish`` of the same bytes.
Then ``Bus.publish`` (envelope encoding + ``Nats-Msg-Id``), then the transactional outbox:
N writes that each commit a row and its event to SQLite, relayed to JetStream.
Run: ``.venv/bin/python bench/bus_publish.py [N]``. Prints one table with ratios to the baseline.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from peerlearn import events, outbox
from peerlearn.bus import Bus
from peerlearn.outbox import OutboxRelay
from peerlearn.store import Database
from peerlearn.testing.servers import start_nats

MIGRATIONS = Path(__file__).parents[1] / "tests" / "integration" / "libs" / "sample_migrations"
notes = sa.table("notes", sa.column("id"), sa.column("text"))


def sample(n: int) -> events.Event:
    return events.make_event(events.OrgCreated(org_id=f"o{n}", name=f"Org number {n}", kind="partner"))


async def main(n: int) -> None:
    server = start_nats()
    rows: list[tuple[str, float]] = []
    try:
        bus = Bus(server.url)
        await bus.connect(timeout=10)
        payloads = [events.encode(sample(i)) for i in range(n)]

        started = time.perf_counter()
        for payload in payloads:
            await bus.js.publish(events.ORG_CREATED, payload)
        rows.append(("raw nats-py js.publish (baseline)", n / (time.perf_counter() - started)))

        batch = [sample(i) for i in range(n)]
        started = time.perf_counter()
        for event in batch:
            await bus.publish(event)
        rows.append(("Bus.publish (encode + Nats-Msg-Id)", n / (time.perf_counter() - started)))

        with tempfile.TemporaryDirectory() as tmp:
            database = Database(f"sqlite+aiosqlite:///{tmp}/bench.db")
            await database.migrate(MIGRATIONS)
            started = time.perf_counter()
            for i in range(n):
                async with database.transaction() as session:
                    await session.execute(sa.insert(notes).values(text=f"note {i}"))
                    await outbox.record(session, sample(i))
            written = time.perf_counter()
            relay = OutboxRelay(database, bus.publish_raw)
            while await relay.relay_once():
                pass
            relayed = time.perf_counter()
            rows.append(("outbox: commit row + event (SQLite)", n / (written - started)))
            rows.append(("outbox: relay to JetStream", n / (relayed - written)))
            rows.append(("outbox: end to end", n / (relayed - started)))
            await database.dispose()
        await bus.close()
    finally:
        server.stop()

    baseline = rows[0][1]
    print(f"{'path':<40} {'events/s':>10} {'ratio':>7}   (N={n})")
    for name, rate in rows:
        print(f"{name:<40} {rate:>10.0f} {rate / baseline:>7.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))
