"""deploy/nats/local-cluster.sh: a 3-node cluster where streams keep 3 replicas and survive a node loss;
configured by deploy/nats/cluster.conf, so clients need TLS and a user of accounts.conf."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from peerlearn import events, nats_access
from peerlearn.bus import Bus, BusUnavailable, Consumer, NatsCredentials
from peerlearn.testing.nats_cluster import free_base_port, make_certificates
from peerlearn.testing.waiting import eventually

SCRIPT = Path(__file__).parents[3] / "deploy" / "nats" / "local-cluster.sh"
PASSWORDS = {user: nats_access.new_password() for user in [*nats_access.USERS, nats_access.OPERATOR]}


def login(user: str, tls: Path) -> NatsCredentials:
    return NatsCredentials(user=user, password=PASSWORDS[user], tls_ca=str(tls / "ca.pem"))


@pytest.fixture
def tls(tmp_path: Path) -> Path:
    return make_certificates(tmp_path / "tls")


@pytest.fixture
def cluster(tmp_path: Path, tls: Path) -> Iterator[list[str]]:
    base = free_base_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "NATS_TLS_DIR": str(tls),
        **{nats_access.password_variable(user): password for user, password in PASSWORDS.items()},
    }
    process = subprocess.Popen(
        ["bash", str(SCRIPT), str(tmp_path / "cluster"), str(base)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("NATS cluster:"), line
    try:
        yield line.split(": ", 1)[1].strip().split(",")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
        for log in sorted((tmp_path / "cluster").glob("n*.log")):  # shown when the test failed
            errors = [line for line in log.read_text(errors="replace").splitlines() if "[ERR]" in line]
            print(f"{log.name}: {len(errors)} errors", *errors[-10:], sep="\n  ")


def as_service(urls: list[str], user: str, tls: Path) -> Bus:
    """A bus as the service kit builds it for ``user`` on the cluster (3 replicas)."""
    return Bus(
        ",".join(urls),
        name=f"test-{user}",
        replicas=3,
        credentials=login(user, tls),
        streams=nats_access.managed_streams(user),
    )


async def test_replicated_streams_survive_the_loss_of_a_node(
    cluster: list[str], tmp_path: Path, tls: Path
) -> None:
    bus = as_service(cluster, "profiles", tls)
    forum = as_service(cluster, "forum", tls)
    await eventually(lambda: _connect(bus), timeout=30)
    await eventually(lambda: _connect(forum), timeout=30)
    info = await bus.js.stream_info("PROFILES")
    assert info.config.num_replicas == 3
    seen: list[str] = []

    async def handler(event: events.Event) -> None:
        seen.append(event.id)

    durable = nats_access.durable_name("forum", "PROFILES")
    task = asyncio.create_task(Consumer(forum, stream="PROFILES", durable=durable, handler=handler).run())
    first = events.make_event(events.OrgCreated(org_id="o1", name="one", kind="partner"))
    # A stream just created may not have elected its leader yet ("no response from stream"); the
    # Nats-Msg-Id makes a retried publish land once, as the outbox relay's retries do.
    await eventually(lambda: _publish(bus, first), timeout=30)
    await eventually(lambda: asyncio.sleep(0, result=first.id in seen), timeout=20)

    # Kill one node (its store stays); the other two still form a quorum.
    node = node_pid(str(tmp_path / "cluster" / "n0"))
    os.kill(node, signal.SIGKILL)
    second = events.make_event(events.OrgCreated(org_id="o2", name="two", kind="partner"))
    await eventually(lambda: _publish(bus, second), timeout=30)
    await eventually(lambda: asyncio.sleep(0, result=second.id in seen), timeout=30)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await bus.close()
    await forum.close()
    assert seen == [first.id, second.id]


async def test_the_cluster_refuses_anonymous_plaintext_and_forged_clients(
    cluster: list[str], tls: Path
) -> None:
    context = ssl.create_default_context(cafile=str(tls / "ca.pem"))
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(cluster[0], tls=context, allow_reconnect=False, connect_timeout=5)
    # Without TLS the server does not even take the login: it waits for a TLS handshake.
    host, port = cluster[0].removeprefix("tls://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        assert b'"tls_required":true' in await reader.readline()
        writer.write(f'CONNECT {{"user":"forum","pass":"{PASSWORDS["forum"]}"}}\r\nPING\r\n'.encode())
        await writer.drain()
        assert b"PONG" not in await asyncio.wait_for(reader.read(1000), 10)
    finally:
        writer.close()
    forum = as_service(cluster, "forum", tls)
    forum.publish_timeout = 2.0
    await eventually(lambda: _connect(forum), timeout=30)
    try:
        forged = events.make_event(events.OrgCreated(org_id="o9", name="forged", kind="partner"))
        with pytest.raises(BusUnavailable):  # refused by the server: no ack ever comes
            await forum.publish(forged)
    finally:
        await forum.close()


def node_pid(store: str) -> int:
    """The pid of the nats-server whose store (and log, ``<store>.log``) is ``store`` (in /proc)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"{store}.log".encode() in args and any(a.endswith(b"nats-server") for a in args[:1]):
                return int(entry.name)
    raise AssertionError(f"no nats-server with store {store}")


async def _connect(bus: Bus) -> bool:
    try:
        await bus.connect(timeout=5)
    except Exception:
        await bus.close()
        return False
    return True


async def _publish(bus: Bus, event: events.Event) -> bool:
    try:
        await bus.publish(event)
    except Exception:
        return False
    return True
