"""A profile event to updated suggestions: latency under a steady stream of events.

Loads N people through the matcher's real consumer, then publishes new profiles at a steady
rate and times each one from publish to its ``matcher.suggestions.updated`` event. The
baseline, measured in the same run on the same nats-server, is a bare JetStream round trip:
publish on a subject, receive it on a plain subscription (the floor any event-driven update
pays). Run: ``.venv/bin/python bench/matcher_live.py [PEOPLE] [UPDATES] [RATE_PER_S]
[--replicas R] [--postgres]``.

``--replicas R`` starts R matcher apps in this process, each with a ``Database`` of its own on the
one database (as two processes have) and the shared encoder, all on the same durable consumers;
each index-changing transaction then takes the replicas' turn and reloads what the others logged
(docs/MATCHER.md "Replicas"). The replicas share this process's CPU and GIL, so the figures show
what the turn and the reloads cost, not what more processes would give. Per replica it prints
the events it applied, the index keys it reloaded (``LiveIndex.reloaded``) and how long taking
the turn and reloading took per transaction. ``--postgres`` runs on the tests' PostgreSQL
(``PEERLEARN_TEST_POSTGRES_URL``, default 127.0.0.1:5432/test) in a fresh schema, dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import nats
import numpy as np
from nats.aio.msg import Msg

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.client import running
from peerlearn.testing.servers import POSTGRES_URL, start_nats
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.index import LiveIndex
from peerlearn_matcher.app import create_app
from peerlearn_matcher.settings import load
from peerlearn_matcher.usecases.matcher import Matcher

SKILLS = [
    "Accessibility", "Accounting", "Airflow", "Budgeting", "Coaching", "Computer vision",
    "Data visualisation", "Deep learning", "Design systems", "Docker", "Excel", "FP&A", "Figma",
    "Financial modelling", "Go", "Hiring", "Interaction design", "Kubernetes", "LLM fine-tuning",
    "MLOps", "Machine learning", "NLP", "Negotiation", "OKRs", "People management", "PostgreSQL",
    "Power BI", "Pricing strategy", "Prospecting", "Prototyping", "Public speaking", "PyTorch",
    "Python", "React", "Risk management", "Testing", "UX research", "Statistics", "TypeScript",
    "Spark", "SQL",
]  # fmt: skip


def profile(person_id: str, org: int, rng: random.Random) -> events.PersonProfile:
    have = rng.sample(SKILLS, 3)
    want = rng.sample([s for s in SKILLS if s not in have], 2)
    roles: list[events.Role] = ["learner"]
    if rng.random() < 0.2:
        roles.append("mentor")
    return events.PersonProfile(
        id=person_id,
        org_id=f"o{org}",
        display_name=person_id.upper(),
        roles=roles,
        weekly_hours=4,
        mentor_capacity=3 if "mentor" in roles else 0,
        timezone="Europe/Berlin",
        skills=[events.Skill(name=s, level=rng.randint(3, 5)) for s in have]
        + [events.Skill(name=s, level=1, wants=True) for s in want],
    )


def percentiles(ms: np.ndarray) -> str:
    return f"p50 {np.percentile(ms, 50):7.1f} ms  p99 {np.percentile(ms, 99):7.1f} ms  max {ms.max():7.1f} ms"


async def baseline(url: str, count: int, rate: float) -> np.ndarray:
    """Publish → receive through JetStream and a plain subscription, at the same rate."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    seen: dict[str, float] = {}

    async def on(msg: Msg) -> None:
        seen[msg.data.decode()] = time.perf_counter()

    await nc.subscribe("matcher.bench.ping", cb=on)
    sent: dict[str, float] = {}
    for k in range(count):
        sent[str(k)] = time.perf_counter()
        await js.publish("matcher.bench.ping", str(k).encode())
        await asyncio.sleep(1 / rate)
    await asyncio.sleep(1)
    await nc.close()
    return np.array([(seen[k] - t) * 1000 for k, t in sent.items() if k in seen])


@dataclass
class Replica:
    """One matcher app's counters, read before and after the timed stream of new profiles."""

    name: str
    matcher: Matcher
    # Seconds each index-changing transaction spent taking the turn and reloading others' changes.
    turns: list[float] = field(default_factory=list)
    handled_at_load: int = 0
    reloaded_at_load: int = 0
    turns_at_load: int = 0

    def mark_loaded(self) -> None:
        """Note the counters once the people are loaded, so the timed phase is reported apart."""
        self.handled_at_load = self.matcher.handled
        self.reloaded_at_load = self.matcher.index.reloaded
        self.turns_at_load = len(self.turns)


def timing_turns(index: LiveIndex, turns: list[float]) -> None:
    """Time :meth:`LiveIndex.begin` (the turn's row lock, waited for while another replica holds
    it, then the reload of what the others logged) on this one index."""
    begin = index.begin

    async def timed(tx: Transaction) -> None:
        started = time.perf_counter()
        try:
            await begin(tx)
        finally:
            turns.append(time.perf_counter() - started)

    index.begin = timed  # type: ignore[method-assign]  # an instance's method, wrapped to time it


async def main(
    people: int, updates: int, rate: float, replicas: int, database_url: str, schema: str | None
) -> None:
    """Load ``people``, then time ``updates`` new profiles at ``rate`` per second on ``replicas`` apps."""
    server = start_nats()
    tmp = tempfile.mkdtemp()
    env = {
        "PEERLEARN_DATA_DIR": tmp,
        "PEERLEARN_NATS_URL": server.url,
        "PEERLEARN_JWT_SECRET": secrets.token_hex(32),
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    settings = load(env)
    encoder = Encoder()
    rng = random.Random(0)
    started_load = os.getloadavg()
    fleet: list[Replica] = []
    try:
        async with AsyncExitStack() as stack:
            for r in range(replicas):
                # One at a time, as the tests do: each starts on what the one before migrated.
                app = create_app(settings, database=Database(database_url, schema=schema), encoder=encoder)
                await stack.enter_async_context(running(app))
                replica = Replica(chr(ord("A") + r), app.state.matcher)
                await replica.matcher.ready.wait()
                timing_turns(replica.matcher.index, replica.turns)
                fleet.append(replica)
            bus = Bus(server.url)
            await bus.connect(timeout=10)
            started = time.perf_counter()
            for i in range(people):
                await bus.publish(
                    events.make_event(events.PersonUpserted(person=profile(f"p{i}", i % 10, rng)))
                )
            while sum(x.matcher.handled for x in fleet) < people or not all(x.matcher.idle for x in fleet):  # noqa: ASYNC110 - polling counters
                await asyncio.sleep(0.1)
            print(f"loaded {people} people through the consumer in {time.perf_counter() - started:.1f} s")
            for replica in fleet:
                replica.mark_loaded()

            floor = await baseline(server.url, updates, rate)
            nc = await nats.connect(server.url)
            seen: dict[str, float] = {}

            async def on(msg: Msg) -> None:
                event = events.decode(msg.data)
                assert isinstance(event.data, events.SuggestionsUpdated)
                seen.setdefault(event.data.person_id, time.perf_counter())

            await nc.subscribe(events.SUGGESTIONS_UPDATED, cb=on)
            sent: dict[str, float] = {}
            for k in range(updates):
                person = profile(f"u{k}", rng.randrange(10), rng)
                sent[person.id] = time.perf_counter()
                await bus.publish(events.make_event(events.PersonUpserted(person=person)))
                await asyncio.sleep(1 / rate)
            # Until every list is in, or 8 s pass with none new (a burst drains for longer).
            quiet_since, answered_so_far = time.perf_counter(), -1
            while time.perf_counter() - quiet_since < 8:
                now_answered = sum(1 for p in sent if p in seen)
                if now_answered == updates:
                    break
                if now_answered != answered_so_far:
                    quiet_since, answered_so_far = time.perf_counter(), now_answered
                await asyncio.sleep(0.1)
            latency = np.array([(seen[p] - t) * 1000 for p, t in sent.items() if p in seen])
            answered = [seen[p] for p in sent if p in seen]
            span = max(answered) - min(sent.values()) if answered else float("nan")
            await nc.close()
            await bus.close()
    finally:
        server.stop()
    ended_load = os.getloadavg()
    engine = "SQLite" if schema is None else "PostgreSQL"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{engine}, {replicas} replica(s) in one process (one CPU's worth: they share the GIL); "
        f"load average at start {' '.join(f'{x:.2f}' for x in started_load)}, "
        f"at end {' '.join(f'{x:.2f}' for x in ended_load)}"
    )
    print(
        f"{len(latency)}/{updates} new profiles got their suggestions published ({rate:g}/s, {people} people)"
    )
    print(f"baseline: JetStream publish → subscriber   {percentiles(floor)}")
    print(f"profile event → suggestions.updated       {percentiles(latency)}")
    print(f"ratio of p99 to the baseline's p99: {np.percentile(latency, 99) / np.percentile(floor, 99):.1f}x")
    print(
        f"throughput: {len(answered)} lists in {span:.1f} s from the first publish "
        f"({len(answered) / span:.1f}/s)"
    )
    for x in fleet:
        m = x.matcher
        timed_turns = np.array(x.turns[x.turns_at_load :]) * 1000
        turn = percentiles(timed_turns) if len(timed_turns) else "none"
        print(
            f"replica {x.name}: applied {x.handled_at_load} events loading, "
            f"{m.handled - x.handled_at_load} timed; reloaded {x.reloaded_at_load} index keys loading, "
            f"{m.index.reloaded - x.reloaded_at_load} timed; "
            f"turn + reload per transaction (timed, {len(timed_turns)}, "
            f"{timed_turns.sum() / 1000:.1f} s in all): {turn}"
        )


async def drop_schema(url: str, schema: str) -> None:
    """Drop the bench's schema and everything in it."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def cli() -> None:
    """Parse the command line and run the bench (on a fresh SQLite file or PostgreSQL schema)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("people", nargs="?", type=int, default=300, help="people loaded first (300)")
    parser.add_argument("updates", nargs="?", type=int, default=100, help="new profiles timed (100)")
    parser.add_argument("rate", nargs="?", type=float, default=5, help="new profiles per second (5)")
    parser.add_argument("--replicas", type=int, default=1, help="matcher apps on the one database (1)")
    parser.add_argument("--postgres", action="store_true", help="the tests' PostgreSQL, a fresh schema")
    args = parser.parse_args()
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    if not args.postgres:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/m.db"
        asyncio.run(main(args.people, args.updates, args.rate, args.replicas, url, None))
        return
    schema = f"bench_matcher_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(main(args.people, args.updates, args.rate, args.replicas, POSTGRES_URL, schema))
    finally:
        asyncio.run(drop_schema(POSTGRES_URL, schema))


if __name__ == "__main__":
    cli()
