"""What the service kit costs per request: a bare Litestar endpoint vs the same endpoint in
``create_service_app`` (request log line, request id, bearer auth, rate limiting, error format).

Both run in-process through httpx's ASGI transport in the same run, so the ratio isolates the
middleware. Run: ``.venv/bin/python bench/service_overhead.py [N]``.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time

import httpx
import msgspec
from litestar import Litestar, get

from peerlearn.auth import TokenIssuer
from peerlearn.service import create_service_app
from peerlearn.settings import ServiceSettings, load_settings
from peerlearn.testing.client import running

SECRET = "bench-secret-" + "z" * 40


class Pong(msgspec.Struct):
    pong: bool


@get("/ping", sync_to_thread=False)
def ping() -> Pong:
    return Pong(pong=True)


async def measure(app: Litestar, n: int, headers: dict[str, str]) -> tuple[float, float, float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for _ in range(200):  # warm up
            await client.get("/ping", headers=headers)
        started = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            response = await client.get("/ping", headers=headers)
            latencies.append(time.perf_counter() - t0)
            assert response.status_code == 200
        elapsed = time.perf_counter() - started
    latencies.sort()
    return n / elapsed, statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.99)] * 1000


async def main(n: int) -> None:
    logging.getLogger("peerlearn").setLevel(logging.WARNING)  # measure the work, not the terminal
    logging.getLogger("httpx").setLevel(logging.WARNING)
    bare = Litestar([ping])
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PEERLEARN_DATA_DIR": tmp,
            "PEERLEARN_NATS_URL": "nats://127.0.0.1:1",
            "PEERLEARN_JWT_SECRET": SECRET,
            "PEERLEARN_LOG_LEVEL": "WARNING",
        }
        settings = load_settings(ServiceSettings, "bench", env)
        kit = create_service_app(
            settings,
            title="bench",
            route_handlers=[ping],
            migrations=__import__("pathlib").Path(__file__).parents[1]
            / "tests/integration/libs/sample_migrations",
        )
        token = TokenIssuer(SECRET).issue("p1", "o1", ["learner"]).token
        rows = [("bare Litestar (baseline)", *(await measure(bare, n, {})))]
        async with running(kit):
            rows.append(("service kit, anonymous", *(await measure(kit, n, {}))))
            rows.append(
                (
                    "service kit, with a bearer token",
                    *(await measure(kit, n, {"Authorization": f"Bearer {token}"})),
                )
            )
    baseline = rows[0][1]
    print(f"{'app':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}   (N={n}, in-process ASGI)")
    for name, rate, p50, p99 in rows:
        print(f"{name:<36} {rate:>8.0f} {p50:>8.3f} {p99:>8.3f} {rate / baseline:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
