"""deploy/nats/local-cluster.sh: a 3-node cluster where streams keep 3 replicas and survive a node loss."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerlearn import events
from peerlearn.bus import Bus, Consumer
from peerlearn.runner import free_port
from peerlearn.testing.waiting import eventually

SCRIPT = Path(__file__).parents[3] / "deploy" / "nats" / "local-cluster.sh"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[str]]:
    base = free_port()
    if base + 102 > 65535:
        base = 20000
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
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


async def test_replicated_streams_survive_the_loss_of_a_node(cluster: list[str], tmp_path: Path) -> None:
    bus = Bus(",".join(cluster), replicas=3)
    await eventually(lambda: _connect(bus), timeout=30)
    info = await bus.js.stream_info("PROFILES")
    assert info.config.num_replicas == 3
    seen: list[str] = []

    async def handler(event: events.Event) -> None:
        seen.append(event.id)

    task = asyncio.create_task(Consumer(bus, stream="PROFILES", durable="cluster", handler=handler).run())
    first = events.make_event(events.OrgCreated(org_id="o1", name="one", kind="partner"))
    await bus.publish(first)
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
    assert seen == [first.id, second.id]


def node_pid(store: str) -> int:
    """The pid of the nats-server whose store is ``store`` (found in /proc)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if store.encode() in args and any(a.endswith(b"nats-server") for a in args[:1]):
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
