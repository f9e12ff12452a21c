"""A profile event to updated suggestions: latency under a steady stream of events.

Loads N people through the matcher's real consumer, then publishes new profiles at a steady
rate and times each one from publish to its ``matcher.suggestions.updated`` event. The
baseline, measured in the same run on the same nats-server, is a bare JetStream round trip:
publish on a subject, receive it on a plain subscription (the floor any event-driven update
pays). Run: ``.venv/bin/python bench/matcher_live.py [PEOPLE] [UPDATES] [RATE_PER_S]``.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import sys
import tempfile
import time

import nats
import numpy as np

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.client import running
from peerlearn.testing.servers import start_nats
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.app import create_app
from peerlearn_matcher.settings import load

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
    roles: list[events.Role] = ["learner"] + (["mentor"] if rng.random() < 0.2 else [])
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

    async def on(msg: nats.aio.msg.Msg) -> None:
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


async def main(people: int, updates: int, rate: float) -> None:
    server = start_nats()
    tmp = tempfile.mkdtemp()
    env = {
        "PEERLEARN_DATA_DIR": tmp,
        "PEERLEARN_NATS_URL": server.url,
        "PEERLEARN_JWT_SECRET": secrets.token_hex(32),
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    app = create_app(load(env), database=Database(f"sqlite+aiosqlite:///{tmp}/m.db"), encoder=Encoder())
    rng = random.Random(0)
    try:
        async with running(app):
            live = app.state.matcher
            await live.ready.wait()
            bus = Bus(server.url)
            await bus.connect(timeout=10)
            started = time.perf_counter()
            for i in range(people):
                await bus.publish(
                    events.make_event(events.PersonUpserted(person=profile(f"p{i}", i % 10, rng)))
                )
            while live.handled < people or not live.idle:  # noqa: ASYNC110 - polling a counter
                await asyncio.sleep(0.1)
            print(f"loaded {people} people through the consumer in {time.perf_counter() - started:.1f} s")

            floor = await baseline(server.url, updates, rate)
            nc = await nats.connect(server.url)
            seen: dict[str, float] = {}

            async def on(msg: nats.aio.msg.Msg) -> None:
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
            await asyncio.sleep(8)
            latency = np.array([(seen[p] - t) * 1000 for p, t in sent.items() if p in seen])
            await nc.close()
            await bus.close()
    finally:
        server.stop()
    print(
        f"{len(latency)}/{updates} new profiles got their suggestions published ({rate:g}/s, {people} people)"
    )
    print(f"baseline: JetStream publish → subscriber   {percentiles(floor)}")
    print(f"profile event → suggestions.updated       {percentiles(latency)}")
    print(f"ratio of p99 to the baseline's p99: {np.percentile(latency, 99) / np.percentile(floor, 99):.1f}x")


if __name__ == "__main__":
    args = [*sys.argv[1:], "", "", ""]
    asyncio.run(main(int(args[0] or 300), int(args[1] or 100), float(args[2] or 5)))
