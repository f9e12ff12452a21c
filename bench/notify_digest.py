"""Benchmark: one digest tick for 10,000 people (time and memory), against a bare read of the rows.

    .venv/bin/python bench/notify_digest.py [--people 10000] [--items 3] [--database URL]

Makes notify's database (SQLite in a temp dir unless ``--database`` names one, e.g.
``postgresql://127.0.0.1:5432/test``; tables in a schema of their own there), with
``--people`` people who each have an address, default settings (UTC) and ``--items``
notifications waiting for the daily digest. Then, in a fresh process each (so that peak RSS
is the tick's own):

- **baseline**: the same rows read in one ``SELECT`` (what no digest build can beat);
- **first tick**: ``send_due_digests`` at 08:00 UTC, the digest hour: every person's digest
  built, its mail in the mail outbox, the sent-digest row and the items marked;
- **second tick**: the same moment again, which must schedule nothing (never twice).

Prints seconds, people per second and peak RSS (and its growth over the process before the
run) for each; figures go to docs/BENCHMARKS.md with the machine and its load average.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from peerlearn.events import new_id
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.tables import contacts, notifications
from peerlearn_notify.app import MIGRATIONS
from peerlearn_notify.usecases.digests import send_due_digests
from peerlearn_notify.usecases.notifying import Delivery

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a Tuesday, at the default digest hour in UTC


async def seed(url: str, schema: str, people: int, items: int) -> None:
    """Migrate and fill: an address and ``items`` waiting notifications per person."""
    database = Database(url, schema=schema)
    await database.migrate(MIGRATIONS)
    async with database.transaction() as session:
        for start in range(0, people, 1000):
            ids = [f"person-{n:05d}" for n in range(start, min(people, start + 1000))]
            await session.execute(
                sa.insert(contacts),
                [
                    {"person_id": p, "org_id": "org", "email": f"{p}@bench.test", "version_at": AT}
                    for p in ids
                ],
            )
            rows = [
                {
                    "id": new_id(),
                    "person_id": p,
                    "kind": "thread_activity",
                    "title": f"New answer {i} in a thread you answered",
                    "link": f"https://peerlearn.test/threads/t{i}",
                    "thread_id": None,
                    "dedupe_key": f"post:{p}:{i}",
                    "created_at": AT,
                    "read_at": None,
                    "mail": "daily",
                }
                for p in ids
                for i in range(items)
            ]
            await session.execute(sa.insert(notifications), rows)
    await database.dispose()


async def drop_schema(url: str, schema: str) -> None:
    """Leave the PostgreSQL database as it was."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()


def measured(url: str, schema: str, what: str, out: multiprocessing.Queue) -> None:
    """In a process of its own: run ``what``; put (seconds, result, RSS before, peak RSS) in KiB."""

    async def run() -> tuple[float, int]:
        database = Database(url, schema=schema)
        uow = UnitOfWork(database)
        delivery = Delivery(
            public_url="https://peerlearn.test",
            unsubscribe_url="https://peerlearn.test/v1/unsubscribe",
            secret="bench-" + "d" * 40,
            immediate_mails_per_day=10,
        )
        async with database.reading() as session:  # connected before the clock starts
            await session.execute(sa.select(1))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out.put(before)
        started = time.perf_counter()
        if what == "baseline":
            async with database.reading() as session:
                result = len((await session.execute(sa.select(notifications))).all())
        else:
            result = await send_due_digests(uow, delivery, AT, 8)
        took = time.perf_counter() - started
        await database.dispose()
        return took, result

    took, result = asyncio.run(run())
    out.put((took, result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="peerlearn-bench-digest-"))
    url = args.database or f"sqlite+aiosqlite:///{folder / 'notify.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = "PostgreSQL" if args.database else "SQLite"
    started = time.perf_counter()
    asyncio.run(seed(url, schema, args.people, args.items))
    seeded = time.perf_counter() - started
    print(f"seeded {args.people} people x {args.items} items on {engine} in {seeded:.0f} s")
    spawn = multiprocessing.get_context("spawn")
    results = {}
    try:
        for what in ("baseline", "first tick", "second tick"):
            out = spawn.Queue()
            child = spawn.Process(target=measured, args=(url, schema, what, out))
            child.start()
            before = out.get()
            results[what] = (*out.get(), before)
            child.join()
    finally:
        if args.database:
            asyncio.run(drop_schema(url, schema))
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f}\n"
    )
    print(f"{'':<14} {'seconds':>8} {'people/s':>9} {'result':>8} {'peak RSS MiB':>13} {'growth MiB':>11}")
    for what, (took, result, peak, before) in results.items():
        print(
            f"{what:<14} {took:>8.2f} {args.people / took:>9.0f} {result:>8} "
            f"{peak / 1024:>13.0f} {(peak - before) / 1024:>11.0f}"
        )
    first, base = results["first tick"][0], results["baseline"][0]
    print(
        f"\nfirst tick: {first / base:.0f}x the bare read; result = digests scheduled (rows read, baseline)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
