"""The programme report and the learning network at scale: 10,000 people of one org (and 500
of a partner org in a shared cohort) and 100,000 acts of help, in insights' own SQLite database.

Baseline, measured in the same run: one SELECT of the window's help acts (what the network
must read at least). Then the org report, the network (JSON) and the network's picture, each
through its use case as the platform admin, ``RUNS`` times: p50, and the process's peak RSS.
Run: ``.venv/bin/python bench/insights_network.py [people] [interactions] [runs]``.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.store import Database
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.adapters import activity
from peerlearn_insights.adapters.programme import mentorships, routings, suggestions
from peerlearn_insights.adapters.tables import acts, directory, threads
from peerlearn_insights.app import MIGRATIONS
from peerlearn_insights.domain.network_picture import network_svg
from peerlearn_insights.usecases.analysed_networks import AnalysedNetworks
from peerlearn_insights.usecases.learning_network import learning_network
from peerlearn_insights.usecases.programme_report import org_report

ORG, PARTNER, COHORT = "o-bench", "o-partner", "c-bench"
T0 = datetime(2026, 1, 5, tzinfo=UTC)
DEPARTMENTS = 20  # people help mostly inside their department: communities to find


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _insert(database: Database, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    async with database.transaction() as session:
        for i in range(0, len(rows), 5_000):
            await session.execute(sa.insert(table), rows[i : i + 5_000])


async def seed(database: Database, people: int, interactions: int) -> None:
    """People, a cohort, questions, help acts, suggestions, mentorships and routings."""
    rng = random.Random(13)
    now = T0
    staff = [f"p{i}" for i in range(people)]
    partners = [f"q{i}" for i in range(500)]
    await _insert(
        database,
        directory.people,
        [
            {"id": p, "org_id": ORG if p[0] == "p" else PARTNER, "display_name": f"Person {p}",
             "roles": ["learner"], "erased": False, "version_at": now}
            for p in staff + partners
        ],
    )  # fmt: skip
    await _insert(database, directory.cohorts, [{"id": COHORT, "name": "Bench cohort", "owner_org_id": ORG}])
    await _insert(
        database,
        directory.cohort_orgs,
        [{"cohort_id": COHORT, "org_id": o, "active": True, "changed_at": now} for o in (ORG, PARTNER)],
    )
    members = staff[:250] + partners[:250]
    await _insert(
        database,
        directory.cohort_members,
        [
            {"cohort_id": COHORT, "person_id": p, "org_id": ORG if p[0] == "p" else PARTNER, "active": True,
             "changed_at": now}
            for p in members
        ],
    )  # fmt: skip

    def colleague(of: str) -> str:
        if of[0] == "q" or rng.random() < 0.05:
            return rng.choice(partners if rng.random() < 0.5 else staff)
        department = int(of[1:]) % DEPARTMENTS
        if rng.random() < 0.9:
            return f"p{rng.randrange(department, people, DEPARTMENTS)}"
        return rng.choice(staff)

    questions = interactions // 3
    thread_rows, act_rows = [], []
    askers: dict[str, str] = {}
    for t in range(questions):
        asker = rng.choice(staff) if rng.random() < 0.95 else rng.choice(partners)
        at = T0 + timedelta(minutes=t * 5)
        askers[f"t{t}"] = asker
        thread_rows.append(
            {"id": f"t{t}", "title": f"Question {t}", "kind": "question", "visibility": "org", "org_id": ORG,
             "cohort_id": None, "tags": [f"skill{rng.randrange(60)}"]}
        )  # fmt: skip
        act_rows.append(
            {"event_id": f"e-ask-{t}", "person_id": asker, "verb": "asked", "at": at, "thread_id": f"t{t}"}
        )
    for i in range(interactions):
        thread = f"t{rng.randrange(questions)}"
        asker = askers[thread]
        helper = colleague(asker)
        if helper == asker:
            continue
        verb = "answered" if i % 10 < 7 else "answer_accepted" if i % 10 < 9 else "mentored"
        at = T0 + timedelta(minutes=int(thread[1:]) * 5 + rng.randrange(1, 3000))
        act_rows.append(
            {"event_id": f"e-{i}", "person_id": helper, "verb": verb, "at": at,
             "thread_id": thread if verb != "mentored" else None, "other_id": asker}
        )  # fmt: skip
    await _insert(database, threads, thread_rows)
    await _insert(database, acts, act_rows)
    kinds = ("peer", "mentor", "expert", "answerer")
    await _insert(
        database,
        suggestions,
        [
            {"id": f"s{i}", "person_id": rng.choice(staff), "kind": kinds[i % 4],
             "candidate_id": rng.choice(staff), "made_at": T0 + timedelta(minutes=i),
             "action": rng.choice((None, "accept", "decline"))}
            for i in range(interactions // 2)
        ],
    )  # fmt: skip
    statuses = ("requested", "active", "closed", "declined", "expired")
    await _insert(
        database,
        mentorships,
        [
            {"id": f"m{i}", "mentee_id": rng.choice(staff), "mentor_id": rng.choice(staff),
             "status": statuses[i % 5], "requested_at": T0 + timedelta(hours=i),
             "rating": rng.randrange(1, 6) if i % 5 == 2 else None}
            for i in range(interactions // 20)
        ],
    )  # fmt: skip
    await _insert(
        database,
        routings,
        [
            {"thread_id": f"t{t}", "person_id": colleague(askers[f"t{t}"]), "routed_at": T0}
            for t in range(0, questions, 1)
        ],
    )


async def _timed(runs: int, work: Any) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = await work()
        times.append(time.perf_counter() - started)
        print(f"  run {len(times)}: {times[-1]:.2f} s", flush=True)
    return statistics.median(times), out


async def main(people: int, interactions: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{tmp}/insights.db")
        await database.migrate(MIGRATIONS)
        started = time.perf_counter()
        await seed(database, people, interactions)
        took = time.perf_counter() - started
        print(f"seeded {people:,} people, {interactions:,} interactions in {took:.1f} s")
        uow, admin = UnitOfWork(database), Principal(person_id=None, org_id=None, platform_admin=True)
        base_rss = _rss_mb()

        async def baseline() -> int:
            async with uow.reading() as tx:
                return len(await activity.helps(tx.session, activity.org_people(ORG), None, None))

        load = os.getloadavg()[0]
        print(f"load average {load:.2f} / {os.cpu_count()} CPUs; RSS before the runs {base_rss:.0f} MB")
        print("| what | p50 s | x baseline | peak RSS MB |\n|---|---|---|---|", flush=True)
        baseline_s = 0.0

        def row(name: str, p50: float) -> None:
            print(f"| {name} | {p50:.2f} | {p50 / baseline_s:.1f} | {_rss_mb():.0f} |", flush=True)

        baseline_s, count = await _timed(runs, baseline)
        row(f"baseline: SELECT the {count:,} help acts", baseline_s)
        p50, report = await _timed(runs, lambda: org_report(uow, admin, ORG, None, None))
        row(f"org report ({report.questions.asked:,} questions)", p50)
        p50, network = await _timed(runs, lambda: learning_network(uow, admin, ORG, None, None))
        method = f"{network.betweenness.method} betweenness, {network.betweenness.sources} sources"
        row(f"network ({len(network.nodes):,} nodes, {len(network.ties):,} ties; {method})", p50)
        p50, _ = await _timed(runs, lambda: asyncio.sleep(0, network_svg(network)))
        row("network.svg from the network (150 nodes shown)", p50)
        remembered = AnalysedNetworks()
        await learning_network(uow, admin, ORG, None, None, remembered)
        p50, _ = await _timed(runs, lambda: learning_network(uow, admin, ORG, None, None, remembered))
        row("network read again, no event applied since (remembered)", p50)
        await database.dispose()
    print(f"communities {len(network.communities)}, crossing share {network.crossing_share:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(args + [10_000, 100_000, 3][len(args) :])))
