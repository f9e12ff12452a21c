"""Idempotent writes survive crashes: the service is SIGKILLed at random points of 50 keyed
writes and restarted; every write is retried until answered and once more after.

Each key must leave exactly one row and one event, and every retry must get the first answer
the client saw (byte for byte: the answer carries a server-made id and time). With the answer
kept in memory or stored after the commit, a restart forgot keys and retries wrote twice.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from peerlearn.runner import free_port
from peerlearn.store import Database
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer

HERE = Path(__file__).parent
KEYS = 50
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}


class Service:
    """The keyed sample app under uvicorn in its own process, killed and restarted at will."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    async def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", "keyed_app:create", "--app-dir", str(HERE)]
        command += ["--port", str(self.port), "--log-level", "warning"]
        self.process = await asyncio.to_thread(
            subprocess.Popen, command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    if (await client.get(self.url + "/health", timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the keyed service did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def service(database_url: str, nats_server: NatsServer, tmp_path: Path) -> Iterator[Service]:
    env = {
        **os.environ,
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "PEERLEARN_DATABASE_URL": database_url,
        "PEERLEARN_NATS_URL": nats_server.url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "100000",
    }
    svc = Service(env, free_port())
    try:
        yield svc
    finally:
        svc.kill()


@pytest.fixture
async def keyed_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, schema="keyed")
    if not db.is_sqlite:
        async with db.engine.begin() as conn:
            await conn.execute(sa.text('DROP SCHEMA IF EXISTS "keyed" CASCADE'))
    try:
        yield db
    finally:
        await db.dispose()


async def test_sigkills_at_random_points_never_apply_a_keyed_write_twice(
    service: Service, keyed_db: Database
) -> None:
    await service.start()
    first_answers: dict[int, bytes] = {}
    rng = random.Random(20261201)
    done = asyncio.Event()

    async def write_until_answered(client: httpx.AsyncClient, n: int) -> None:
        headers = {**ADMIN, "Idempotency-Key": f"note-{n}"}
        while n not in first_answers:
            try:
                response = await client.post(
                    service.url + "/v1/notes", json={"text": f"note {n}"}, headers=headers, timeout=5
                )
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            if response.status_code == 201:
                first_answers[n] = response.content
            elif response.status_code in (409, 500, 503):  # in progress elsewhere, or mid-crash
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"note {n}: {response.status_code} {response.text}")

    async def worker(client: httpx.AsyncClient, numbers: list[int]) -> None:
        for n in numbers:
            await write_until_answered(client, n)

    async def killer() -> None:
        while not done.is_set():
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            if done.is_set():
                return
            service.kill()
            await service.start()

    async with httpx.AsyncClient() as client:
        chaos = asyncio.create_task(killer())
        try:
            await asyncio.wait_for(
                asyncio.gather(*(worker(client, list(range(w, KEYS, 5))) for w in range(5))), 240
            )
        finally:
            done.set()
            await chaos
        assert sorted(first_answers) == list(range(KEYS))
        if service.process is None or service.process.poll() is not None:
            await service.start()
        for n in range(KEYS):
            retry = await client.post(
                service.url + "/v1/notes",
                json={"text": f"note {n}"},
                headers={**ADMIN, "Idempotency-Key": f"note-{n}"},
            )
            assert retry.status_code == 201, retry.text
            assert retry.headers.get("idempotent-replay") == "true"
            assert retry.content == first_answers[n], f"note {n} answered differently on retry"

    async with keyed_db.reading() as session:
        texts = list(await session.scalars(sa.text("SELECT text FROM notes")))
        event_count = await session.scalar(sa.text("SELECT count(*) FROM outbox"))
    assert sorted(texts) == sorted(f"note {n}" for n in range(KEYS))
    assert event_count == KEYS
