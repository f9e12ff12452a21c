"""What the HTTP benchmarks share: the baseline app, and N requests from C concurrent clients."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import msgspec
import uvicorn
from litestar import Litestar, get


async def measure(
    n: int, concurrency: int, request: Callable[[httpx.AsyncClient, int], Any], *, timeout: float = 60
) -> dict[str, float]:
    """Send ``request(client, i)`` for i in 0..n-1 from ``concurrency`` workers; rps, p50 and p95 in ms."""
    latencies: list[float] = []
    counter = iter(range(n))
    async with httpx.AsyncClient(timeout=timeout) as client:

        async def worker() -> None:
            for i in counter:
                start = time.perf_counter()
                response = await request(client, i)
                latencies.append(time.perf_counter() - start)
                assert response.status_code < 400, response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": n / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


class Pong(msgspec.Struct):
    id: str
    name: str


@get("/health", sync_to_thread=False)
def bare_health() -> str:
    return "ok"


@get("/ping/{item_id:str}", sync_to_thread=False)
def ping(item_id: str) -> Pong:
    return Pong(id=item_id, name="bare")


def baseline_app() -> Litestar:
    """The baseline every API benchmark measures in the same run: a bare Litestar endpoint
    returning a small msgspec Struct (``GET /ping/{id}``)."""
    return Litestar([ping, bare_health])


def print_wrk_table(results: dict[str, dict[str, float]], baseline: str, width: int = 48) -> None:
    """Print wrk figures per read: req/s, latencies, and the ratio to ``baseline``'s req/s and to
    the bare endpoint measured beside each read (``bare_beside``, when the read has one)."""
    first = results[baseline]["rps"]
    print(
        f"{'what':{width}} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'x bare':>7} {'bare beside':>11} {'x beside':>8}"
    )
    for name, r in results.items():
        beside = r.get("bare_beside", float("nan"))
        print(
            f"{name:{width}} {r['rps']:8.0f} {r['p50']:7.1f} {r['p95']:7.1f} {r['p99']:7.1f} "
            f"{r['errors']:6.0f} {r['rps'] / first:7.3f} {beside:11.0f} {r['rps'] / beside:8.3f}"
        )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """A server in a process of its own (as in production; threads would share the GIL with the client)."""
    process = subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{argv} did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start_server`, gracefully first."""
    process.terminate()
    try:
        process.wait(30)  # graceful: the service drains its outbox first
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk_options(description: str | None) -> argparse.ArgumentParser:
    """The options every wrk benchmark takes (duration, connections, --postgres, warm-up, --only,
    py-spy); the script adds its own."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--postgres", action="store_true", help="fresh databases on the tests' PostgreSQL, dropped after"
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measurement")
    parser.add_argument("--only", action="append", help="only the reads whose name contains this")
    parser.add_argument("--py-spy", default="", help="py-spy's path: profile the service during each read")
    parser.add_argument("--py-spy-dir", default=".", help="where the profiles go (collapsed stacks)")
    parser.add_argument("--serve-bare", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def served_bare_or_wrk_missing(args: argparse.Namespace, script: str) -> bool:
    """True once this process has served the bare app (``--serve-bare PORT``: the script runs
    itself as the baseline's process) and should end; exits 2 if wrk is not installed."""
    if args.serve_bare:
        uvicorn.run(baseline_app(), host="127.0.0.1", port=args.serve_bare, log_level="error",
                    access_log=False)  # fmt: skip
        return True
    if not shutil.which("wrk"):
        print(f"{script} needs wrk (apt-get install wrk)", file=sys.stderr)
        sys.exit(2)
    return False


@contextmanager
def fresh_postgres(services: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """A fresh database per service on the tests' PostgreSQL (as in production: each migrates its
    own tables), their URLs by service, dropped afterwards."""
    from peerlearn.testing.plugin import _create_database, _drop_database
    from peerlearn.testing.servers import POSTGRES_URL

    names = {s: f"bench_{s}_{uuid.uuid4().hex[:8]}" for s in services}
    for name in names.values():
        asyncio.run(_create_database(POSTGRES_URL, name))
    try:
        yield {s: POSTGRES_URL.rsplit("/", 1)[0] + "/" + name for s, name in names.items()}
    finally:
        for name in names.values():
            asyncio.run(_drop_database(POSTGRES_URL, name))
