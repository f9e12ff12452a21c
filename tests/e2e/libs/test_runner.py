"""``peerlearn up`` as a newcomer runs it: a subprocess that starts NATS and three services."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerlearn.runner import free_port

pytestmark = pytest.mark.e2e

PEERLEARN = [sys.executable, "-m", "peerlearn.cli"]


def system_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERLEARN_")}
    env.update(
        PEERLEARN_DATA_DIR=str(data_dir),
        PEERLEARN_PROFILES_PORT=str(free_port()),
        PEERLEARN_FORUM_PORT=str(free_port()),
        PEERLEARN_MATCHER_PORT=str(free_port()),
        HF_HUB_OFFLINE="1",
    )
    env.update(extra)
    return env


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for_line(process: subprocess.Popen[str], marker: str, timeout: float = 240) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(
        f"no {marker!r} in output: {''.join(lines)}; stderr: {process.stderr and process.stderr.read()}"
    )


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], list[str]]]:
    env = system_env(tmp_path / "var")
    process = subprocess.Popen(
        [*PEERLEARN, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        lines = wait_for_line(process, "Press Ctrl-C to stop.")
        yield process, env, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_up_starts_everything_ready_and_sigterm_leaves_nothing_behind(system) -> None:  # type: ignore[no-untyped-def]
    process, env, lines = system
    output = "".join(lines)
    for name in ("profiles", "forum", "matcher"):
        port = env[f"PEERLEARN_{name.upper()}_PORT"]
        assert f"http://127.0.0.1:{port}/schema" in output
        assert get_json(f"http://127.0.0.1:{port}/ready")["checks"] == {"database": "ok", "nats": "ok"}

    token_file = Path(env["PEERLEARN_DATA_DIR"]) / "admin-token"
    assert token_file.read_text().strip() in output
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    children = children_of(process.pid)
    assert len(children) == 4  # nats-server and three services
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in children if alive(pid)] == []


def test_a_second_up_on_busy_ports_fails_naming_the_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = system_env(tmp_path / "var", PEERLEARN_FORUM_PORT=str(port))
        result = subprocess.run([*PEERLEARN, "up"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"port {port} (forum) is already in use" in result.stderr
    assert "PEERLEARN_FORUM_PORT" in result.stderr


def test_an_unreachable_nats_url_fails_clearly(tmp_path: Path) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    env = system_env(tmp_path / "var", PEERLEARN_NATS_URL=url)
    result = subprocess.run([*PEERLEARN, "up"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot reach NATS at {url}" in result.stderr


def test_a_bad_setting_stops_a_service_with_the_variable_named(tmp_path: Path) -> None:
    env = system_env(tmp_path / "var", PEERLEARN_FORUM_PORT="not-a-port")
    result = subprocess.run(
        [*PEERLEARN, "serve", "forum"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "PEERLEARN_FORUM_PORT" in result.stderr
