"""Benchmark of the signed-in reads of profiles and the matcher against a bare Litestar endpoint.

    .venv/bin/python bench/signed_in_reads.py [--duration 10] [--connections 16] [--people 40]
                                              [--postgres] [--only READS] [--py-spy PATH]

Starts a nats-server, the profiles service and the matcher as ``peerlearn serve profiles`` and
``peerlearn serve matcher`` start them (a process each; SQLite in a temp dir unless
``--postgres``: a fresh database per service on the tests' PostgreSQL, dropped after) and a bare
Litestar app returning a small msgspec Struct under the same uvicorn (another process); adds
``--people`` people to an org through the profiles API (a few mentors of SQL and Python, the
rest learners who want them), waits until the matcher has suggestions for every one of them,
then drives each read with ``wrk`` (its own process) at ``--connections`` connections for
``--duration`` seconds, after ``--warmup`` seconds not counted, every request signed as one of
the people in turn: each service's ``/health``, ``GET /v1/people/{id}`` of the caller and of
another person of the org, and ``GET /v1/people/{id}/suggestions`` of the caller. Prints
throughput, p50/p95/p99 latency, and each figure as a ratio of the bare endpoint's throughput
measured first and of the one measured right after it. ``--py-spy PATH`` records a profile of
the service during each read.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx
from forum_api import ADMIN, SECRET  # bench/forum_api.py: its tokens
from load import (  # bench/load.py: this script runs from bench/
    free_port,
    fresh_postgres,
    print_wrk_table,
    served_bare_or_wrk_missing,
    start_server,
    stop_server,
    wrk_options,
)
from web import wrk  # bench/web.py: wrk with a Lua script taking (path, header) pairs in turn

from peerlearn.auth import TokenIssuer
from peerlearn.testing.servers import start_nats

BASELINE = "bare Litestar GET (baseline)"
MENTORS = 6


async def _seed(profiles_url: str, matcher_url: str, people: int) -> list[tuple[str, str]]:
    """People through the profiles API, once the matcher has suggestions for each: (id, token)."""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    issuer = TokenIssuer(SECRET)
    async with httpx.AsyncClient(base_url=profiles_url, timeout=60, headers=admin) as http:
        org = (await http.post("/v1/orgs", json={"name": "Bench"})).json()["id"]
        made: list[tuple[str, list[str]]] = []
        for i in range(people):
            mentor = i < MENTORS
            body: dict[str, Any] = {
                "display_name": f"{'Mentor' if mentor else 'Learner'} {i}",
                "email": f"p{i}@bench.example",
                "weekly_hours": 3,
                "timezone": "Europe/Berlin" if i % 2 else "Europe/Paris",
                "goal": "write fast reports",
            }
            if mentor:
                body |= {"roles": ["mentor"], "mentor_capacity": 10,
                         "skills": [{"name": "SQL", "level": 5}, {"name": "Python", "level": 4}]}  # fmt: skip
            else:
                body["skills"] = [
                    {"name": "SQL" if i % 3 else "Python", "level": 1, "wants": True},
                    {"name": "pandas", "level": 1 + i % 4},
                ]
            created = (await http.post(f"/v1/orgs/{org}/people", json=body)).raise_for_status().json()
            made.append((created["id"], created.get("roles") or ["learner"]))
    signed = [(pid, issuer.issue(pid, org, roles).token) for pid, roles in made]
    async with httpx.AsyncClient(base_url=matcher_url, timeout=60) as http:
        waiting = dict(signed)
        deadline = time.monotonic() + 300
        while waiting and time.monotonic() < deadline:  # the matcher learns of people from events
            for pid, token in list(waiting.items()):
                page = await http.get(
                    f"/v1/people/{pid}/suggestions", headers={"Authorization": f"Bearer {token}"}
                )
                if page.status_code == 200 and page.json()["items"]:
                    del waiting[pid]
            await asyncio.sleep(0.5)
        if waiting:
            raise RuntimeError(f"no suggestions for {len(waiting)} of {people} people after 300 s")
    return signed


async def run(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Start the servers, seed, and measure each read; the figures by name."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = tempfile.mkdtemp(prefix="bench-signed-in-")
    nats = start_nats()
    profiles_port, matcher_port, bare_port = free_port(), free_port(), free_port()
    env = {
        "PEERLEARN_DATA_DIR": data_dir,
        "PEERLEARN_NATS_URL": nats.url,
        "PEERLEARN_JWT_SECRET": SECRET,
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_PROFILES_PORT": str(profiles_port),
        "PEERLEARN_MATCHER_PORT": str(matcher_port),
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "100000000",
        "PEERLEARN_READ_RATE_LIMIT_PER_MINUTE": "100000000",
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    for service, url in args.database_urls.items():
        env[f"PEERLEARN_{service.upper()}_DATABASE_URL"] = url
    serve = [sys.executable, "-m", "peerlearn.cli", "serve"]
    servers: list[subprocess.Popen[bytes]] = []
    try:
        servers.append(start_server([*serve, "profiles"], env, profiles_port))
        servers.append(start_server([*serve, "matcher"], env, matcher_port))
        servers.append(
            start_server([sys.executable, __file__, "--serve-bare", str(bare_port)], {}, bare_port)
        )
        pids = {"profiles": servers[0].pid, "matcher": servers[1].pid}
        urls = {
            "profiles": f"http://127.0.0.1:{profiles_port}",
            "matcher": f"http://127.0.0.1:{matcher_port}",
            "bare": f"http://127.0.0.1:{bare_port}",
        }
        signed = await _seed(urls["profiles"], urls["matcher"], args.people)
        n = len(signed)
        own = [(f"/v1/people/{pid}", f"Bearer {token}") for pid, token in signed]
        # Each caller reads the next person's profile: an org member's card, not their own.
        other = [(f"/v1/people/{signed[(i + 1) % n][0]}", f"Bearer {t}") for i, (_, t) in enumerate(signed)]
        suggestions = [(f"/v1/people/{pid}/suggestions", f"Bearer {token}") for pid, token in signed]
        reads: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
            BASELINE: ("bare", "X-Bench", [(f"/ping/{i}", "anonymous") for i in range(100)]),
            "profiles GET /health": ("profiles", "X-Bench", [("/health", "anonymous")]),
            "matcher GET /health": ("matcher", "X-Bench", [("/health", "anonymous")]),
            "profiles GET /v1/people/{id} own": ("profiles", "Authorization", own),
            "profiles GET /v1/people/{id} another's": ("profiles", "Authorization", other),
            "matcher GET /v1/people/{id}/suggestions own": ("matcher", "Authorization", suggestions),
        }
        wanted = [
            name
            for name in reads
            if name != BASELINE and (not args.only or any(o in name for o in args.only))
        ]
        common = {"duration": args.duration, "connections": args.connections}
        results: dict[str, dict[str, float]] = {}
        for name in [BASELINE, *wanted]:
            service, header, targets = reads[name]
            if args.warmup:
                wrk(urls[service], header, targets, duration=args.warmup, connections=args.connections)
            profiler = None
            if args.py_spy and service != "bare":
                # Sampled while wrk runs (the figures of a profiled run are not the ones to read).
                out = os.path.join(args.py_spy_dir, name.replace("/", "_").replace(" ", "_") + ".txt")
                profiler = subprocess.Popen(  # noqa: ASYNC220 (this loop only waits for wrk)
                    [args.py_spy, "record", "-p", str(pids[service]), "-d", str(args.duration), "-r", "200",
                     "-f", "raw", "-o", out, "--nonblocking"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            results[name] = wrk(urls[service], header, targets, **common)
            if profiler is not None:
                profiler.wait(60)
            if service != "bare":
                # The bare endpoint again right after: the load of a shared machine drifts in a run.
                _, bare_header, bare_targets = reads[BASELINE]
                results[name]["bare_beside"] = wrk(urls["bare"], bare_header, bare_targets, **common)["rps"]
            print(f"{name}: {results[name]['rps']:.0f} req/s", file=sys.stderr)
        return results
    finally:
        for process in servers:
            stop_server(process)
        nats.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    """Parse the options, run the benchmark on the chosen engine, print the table."""
    parser = wrk_options(__doc__)
    parser.add_argument("--people", type=int, default=40)
    args = parser.parse_args()
    if served_bare_or_wrk_missing(args, "bench/signed_in_reads.py"):
        return
    args.database_urls = {}
    if args.postgres:
        with fresh_postgres(("profiles", "matcher")) as urls:
            args.database_urls = urls
            results = asyncio.run(run(args))
    else:
        results = asyncio.run(run(args))
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().strip()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, /proc/loadavg {load}, "
        f"Python {platform.python_version()}, database {'PostgreSQL' if args.postgres else 'SQLite'}; "
        f"{args.people} people; wrk {args.connections} connections, {args.warmup} s warm-up, "
        f"{args.duration} s each"
    )
    print_wrk_table(results, BASELINE, width=44)


if __name__ == "__main__":
    main()
