"""Several replicas of each service on deploy/'s NATS cluster, PostgreSQL and Redis, for tests
of what survives a crash (tests/e2e/cluster).

Each service gets a PostgreSQL database of its own (a unique name, dropped after), shared by its
replicas; every replica is ``python -m peerlearn.cli serve <service>`` on a port of its own with a
data folder of its own, logging in to NATS as the service's user of accounts.conf over TLS.
The first replica of a service is ready before the second starts, so migrations never race.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from peerlearn import nats_access
from peerlearn.bus import Bus, ensure_streams
from peerlearn.embedded_nats import die_with_parent
from peerlearn.runner import free_port
from peerlearn.testing.nats_cluster import NatsCluster, new_cluster
from peerlearn.testing.servers import POSTGRES_URL


@dataclass
class Replica:
    """One process of a service."""

    service: str
    index: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """SIGKILL: no drain, no shutdown hook, as a crashed machine."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@dataclass
class Cluster:
    """The NATS cluster and every replica, by service."""

    nats: NatsCluster
    replicas: dict[str, list[Replica]] = field(default_factory=dict)
    # Each service's PostgreSQL database (a libpq URL), for what no API shows.
    databases: dict[str, str] = field(default_factory=dict)
    # What each service's replicas were started with, and where, to start one again.
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    folder: Path | None = None

    def backends(self, service: str) -> list[tuple[str, int]]:
        return [("127.0.0.1", replica.port) for replica in self.replicas[service]]

    def restart(self, service: str, index: int) -> Replica:
        """Start replica ``index`` of ``service`` again (after a kill), as its first start did;
        return it once it is ready."""
        assert self.folder is not None
        replica = start_replica(service, index, self.envs[service], self.folder)
        self.replicas[service][index] = replica
        wait_ready(replica)
        return replica

    def logs(self, service: str) -> str:
        """The replicas' logs, for a failing test's report."""
        return "\n".join(
            f"--- {r.service}[{r.index}]\n{r.log.read_text(errors='replace')[-4000:]}"
            for r in self.replicas[service]
        )


def _dsn(name: str) -> str:
    return POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0] + f"/{name}"


async def _execute(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _create_streams(nats: NatsCluster) -> None:
    """Every stream, with 3 replicas, as the operator: a service's own user may create only its
    own stream, and a consumer of a stream whose producer is not running (the matcher's) would
    wait for it."""
    bus = Bus(nats.url, name="test-operator", replicas=3, credentials=nats.login(nats_access.OPERATOR))
    deadline = time.monotonic() + 60
    while True:
        try:
            await bus.connect(timeout=10)
            await ensure_streams(bus.js, replicas=3)
            break
        except Exception:  # the cluster elects its meta leader a moment after the nodes start
            await bus.close()
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)
    await bus.close()


def start_replica(service: str, index: int, env: Mapping[str, str], folder: Path) -> Replica:
    """Start one replica of ``service`` with ``env`` (the cluster's and the service's settings)."""
    port = free_port()
    data = folder / f"{service}-{index}"
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    log = data / "service.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "peerlearn.cli", "serve", service],
            env={
                **env,
                "PEERLEARN_DATA_DIR": str(data),
                f"PEERLEARN_{service.upper()}_PORT": str(port),
                "PEERLEARN_HOST": "127.0.0.1",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    return Replica(service, index, port, process, log)


def wait_ready(replica: Replica, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not replica.ready():
        if replica.process.poll() is not None:
            raise RuntimeError(
                f"{replica.service}[{replica.index}] exited with {replica.process.returncode}:\n"
                + replica.log.read_text(errors="replace")[-3000:]
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"{replica.service}[{replica.index}] not ready after {timeout:g}s")
        time.sleep(0.2)


@contextmanager
def running_cluster(
    folder: Path, services: Sequence[str], env: Mapping[str, str], *, replicas: int = 2
) -> Iterator[Cluster]:
    """deploy/'s NATS cluster and ``replicas`` processes of each of ``services`` (``env``: the
    secrets, Redis and what else they share); everything stopped and the databases dropped after."""
    cluster = Cluster(nats=new_cluster(folder / "nats"))
    databases = {service: f"peerlearn_cluster_{service}_{uuid.uuid4().hex[:8]}" for service in services}
    try:
        cluster.nats.start()
        asyncio.run(_create_streams(cluster.nats))
        for service, name in databases.items():
            asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
            cluster.databases[service] = _dsn(name)
        base = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
        if os.environ.get("PYTHONPATH"):
            base["PYTHONPATH"] = os.environ["PYTHONPATH"]
        cluster.folder = folder / "replicas"
        cluster.envs = envs = {
            service: {
                **base,
                **cluster.nats.service_env(service),
                f"PEERLEARN_{service.upper()}_DATABASE_URL": cluster.databases[service],
            }
            for service in services
        }
        # Replica 0 of every service at once, then replica 1...: services start side by side,
        # but a service's second replica only finds its database migrated.
        for index in range(replicas):
            started = [
                start_replica(service, index, envs[service], folder / "replicas") for service in services
            ]
            for replica in started:
                cluster.replicas.setdefault(replica.service, []).append(replica)
            for replica in started:
                wait_ready(replica)
        yield cluster
    finally:
        for replica in [r for group in cluster.replicas.values() for r in group]:
            if replica.process.poll() is None:
                replica.process.terminate()
        for replica in [r for group in cluster.replicas.values() for r in group]:
            try:
                replica.process.wait(15)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait()
        cluster.nats.stop()
        for name in cluster.databases.values():
            asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name.rsplit("/", 1)[1]}" WITH (FORCE)'))
