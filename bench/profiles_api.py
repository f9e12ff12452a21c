"""Benchmark of the profiles API against a bare Litestar endpoint measured in the same run.

    .venv/bin/python bench/profiles_api.py [--requests 2000] [--concurrency 16] [--database-url URL]

Starts a nats-server, the profiles service under uvicorn (SQLite in a temp dir unless
``--database-url``), and a bare Litestar app returning a small msgspec Struct; loads 500
people through the CSV import; then measures, over real HTTP with httpx:
GET /v1/people/{id} (token check, two queries, visibility), PUT /v1/people/{id} (a write
with its outbox event), and the CSV import (rows per second). Prints throughput, p50/p95
latency, and each figure as a ratio of the bare endpoint's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time

import httpx
import uvicorn
from load import baseline_app, free_port, measure, start_server  # bench/load.py: this script runs from bench/

from peerlearn.testing.servers import start_nats

ADMIN = "bench-admin-token-" + "z" * 30
HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"


async def run(args: argparse.Namespace) -> list[tuple[str, dict[str, float]]]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a log line per request would be the benchmark
    data_dir = tempfile.mkdtemp(prefix="bench-profiles-")
    nats = start_nats()
    env = {
        "PEERLEARN_DATA_DIR": data_dir,
        "PEERLEARN_NATS_URL": nats.url,
        "PEERLEARN_JWT_SECRET": "bench-secret-" + "q" * 40,
        "PEERLEARN_ADMIN_TOKEN": ADMIN,
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "100000000",
        "PEERLEARN_LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["PEERLEARN_DATABASE_URL"] = args.database_url
    profiles_port, bare_port = free_port(), free_port()
    env["PEERLEARN_PROFILES_PORT"] = str(profiles_port)
    profiles = start_server([sys.executable, "-m", "peerlearn.cli", "serve", "profiles"], env, profiles_port)
    bare = start_server([sys.executable, __file__, "--serve-bare", str(bare_port)], {}, bare_port)
    profiles_url, bare_url = f"http://127.0.0.1:{profiles_port}", f"http://127.0.0.1:{bare_port}"
    auth = {"Authorization": f"Bearer {ADMIN}"}
    setup = httpx.AsyncClient(timeout=300)
    try:
        org = (await setup.post(f"{profiles_url}/v1/orgs", json={"name": "Bench"}, headers=auth)).json()["id"]
        rows = "".join(
            f"P {i},p{i}@bench.example,learner,UTC,2,SQL:3;Python:2,ML,Learn ML\n" for i in range(500)
        )
        report = await setup.post(
            f"{profiles_url}/v1/orgs/{org}/people:import",
            content=HEADER + rows,
            headers={**auth, "Content-Type": "text/csv"},
        )
        report = report.json()
        ids = [p["id"] for p in report["people"]]
        results = [
            ("bare Litestar GET (baseline)", await measure(
                args.requests, args.concurrency, lambda c, i: c.get(f"{bare_url}/ping/{i}"))),
            ("GET /v1/people/{id}", await measure(
                args.requests, args.concurrency,
                lambda c, i: c.get(f"{profiles_url}/v1/people/{ids[i % len(ids)]}", headers=auth))),
            ("PUT /v1/people/{id} (write + outbox)", await measure(
                args.requests // 2, args.concurrency,
                lambda c, i: c.put(f"{profiles_url}/v1/people/{ids[i % len(ids)]}", headers=auth,
                                   json={"goal": f"Goal {i}"}))),
        ]  # fmt: skip
        big = "".join(
            f"Q {i},q{i}@bench.example,learner,UTC,2,SQL:3;Python:2,ML,Learn ML\n" for i in range(5000)
        )
        started = time.perf_counter()
        response = await setup.post(
            f"{profiles_url}/v1/orgs/{org}/people:import",
            content=HEADER + big,
            headers={**auth, "Content-Type": "text/csv"},
        )
        elapsed = time.perf_counter() - started
        assert response.json()["created"] == 5000
        results.append(
            ("CSV import, 5000 new rows (rows/s)", {"rps": 5000 / elapsed, "p50_ms": 0, "p95_ms": 0})
        )
        return results
    finally:
        await setup.aclose()
        for process in (profiles, bare):
            process.terminate()
        for process in (profiles, bare):
            try:
                process.wait(30)  # graceful: the service drains its outbox first
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        nats.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--serve-bare", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        uvicorn.run(baseline_app(), host="127.0.0.1", port=args.serve_bare, log_level="error",
                    access_log=False)  # fmt: skip
        return
    results = asyncio.run(run(args))
    baseline = results[0][1]["rps"]
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (load {load:.1f}), "
          f"Python {platform.python_version()}, "
          f"database {'SQLite' if not args.database_url else args.database_url.split(':')[0]}")  # fmt: skip
    print(f"{'what':42} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'x baseline':>10}")
    for name, figures in results:
        print(
            f"{name:42} {figures['rps']:9.0f} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f} "
            f"{figures['rps'] / baseline:10.2f}"
        )


if __name__ == "__main__":
    main()
