"""``peerlearn up`` as a newcomer runs it: a subprocess that starts NATS and three services."""

from __future__ import annotations

import asyncio
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

import httpx
import nats
import pytest

from peerlearn.runner import SERVICES, free_port
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET

pytestmark = pytest.mark.e2e

PEERLEARN = [sys.executable, "-m", "peerlearn.cli"]


def system_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERLEARN_")}
    env.update(PEERLEARN_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1")
    env.update({f"PEERLEARN_{name.upper()}_PORT": str(free_port()) for name in SERVICES})
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


def post_json(url: str, body: dict[str, object], headers: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
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
    # A sign-in link leads to this system's web app, on the port it was given.
    admin = {"Authorization": f"Bearer {token_file.read_text().strip()}", "Content-Type": "application/json"}
    profiles = f"http://127.0.0.1:{env['PEERLEARN_PROFILES_PORT']}"
    org = post_json(f"{profiles}/v1/orgs", {"name": "Port Check", "kind": "partner"}, admin)
    person = post_json(
        f"{profiles}/v1/orgs/{org['id']}/people",
        {"display_name": "Pat Port", "email": "pat@port.test"},
        admin,
    )
    link = post_json(f"{profiles}/v1/people/{person['id']}/sign-in-link", {}, admin)
    assert str(link["url"]).startswith(f"http://127.0.0.1:{env['PEERLEARN_WEB_PORT']}/sign-in/")

    children = children_of(process.pid)
    assert len(children) == 1 + len(SERVICES)  # nats-server and the services
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in children if alive(pid)] == []


def test_every_service_answers_prometheus_metrics(system) -> None:  # type: ignore[no-untyped-def]
    _process, env, _lines = system
    for name in SERVICES:
        base = f"http://127.0.0.1:{env[f'PEERLEARN_{name.upper()}_PORT']}"
        assert httpx.get(f"{base}/ready", timeout=10).status_code == 200
        response = httpx.get(f"{base}/metrics", timeout=10)
        assert response.status_code == 200, (name, response.text)
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert (
            f'peerlearn_requests_total{{app_name="{name}",method="GET",path="/ready",status_code="200"}}'
            in text
        )
        if name == "web":
            continue  # no database, no NATS: the web calls the others over HTTP
        assert f'peerlearn_outbox_backlog_events{{service="{name}"}} 0.0' in text, name
        assert f'peerlearn_nats_connected{{service="{name}"}} 1.0' in text, name
        if name != "profiles":  # the services that consume events show each consumer's lag
            assert f'peerlearn_consumer_pending_messages{{durable="{name}-' in text, name
        own = {
            "matcher": 'peerlearn_matcher_index_entries{kind="people"}',
            "notify": 'peerlearn_notify_waiting{channel="mail"} 0.0',
            "insights": 'peerlearn_insights_statements{state="pending"} 0.0',
        }
        assert own.get(name, "") in text, name


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


def test_up_keeps_everything_owner_only_and_nats_closed_to_strangers(system) -> None:  # type: ignore[no-untyped-def]
    _process, env, lines = system
    data_dir = Path(env["PEERLEARN_DATA_DIR"])
    nats_url = next(line.split()[1] for line in lines if line.strip().startswith("nats "))
    for name in ("credentials.json", "server.conf"):
        assert stat.S_IMODE((data_dir / "nats" / name).stat().st_mode) == 0o600
    open_to_others = [
        f"{path} {stat.filemode(path.stat().st_mode)}"
        for path in [data_dir, *data_dir.rglob("*")]
        if not path.is_symlink() and path.stat().st_mode & 0o077
    ]
    assert open_to_others == []
    assert any(path.suffix == ".db" for path in data_dir.iterdir())  # the SQLite files were checked

    async def anonymous() -> None:
        await nats.connect(nats_url, allow_reconnect=False, connect_timeout=5)

    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        asyncio.run(anonymous())
    # Each service logged in as its own user: all ready on NATS.
    for name in ("profiles", "forum", "matcher"):
        port = env[f"PEERLEARN_{name.upper()}_PORT"]
        checks = get_json(f"http://127.0.0.1:{port}/ready")["checks"]
        assert isinstance(checks, dict) and checks["nats"] == "ok"


def test_a_second_up_reuses_the_nats_passwords(tmp_path: Path) -> None:
    from peerlearn.runner import configure_nats

    first = configure_nats(tmp_path, free_port())[1]
    second = configure_nats(tmp_path, free_port())[1]
    assert first == second and len(set(first.values())) == len(first) >= 4


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_serve_believes_x_forwarded_for_only_from_trusted_proxies(tmp_path: Path, trusted: str) -> None:
    """An anonymous caller sending a new X-Forwarded-For per request still hits one rate-limit bucket,
    unless it is a proxy named in PEERLEARN_TRUSTED_PROXIES (then each client has its own)."""
    port = free_port()
    env = system_env(
        tmp_path / "var",
        PEERLEARN_TRUSTED_PROXIES=trusted,
        PEERLEARN_PROFILES_PORT=str(port),
        PEERLEARN_NATS_URL=f"nats://127.0.0.1:{free_port()}",  # not needed to serve requests
        PEERLEARN_RATE_LIMIT_PER_MINUTE="3",
        PEERLEARN_READ_RATE_LIMIT_PER_MINUTE="3",
        PEERLEARN_JWT_SECRET=TEST_JWT_SECRET,
        PEERLEARN_ADMIN_TOKEN=TEST_ADMIN_TOKEN,
    )
    process = subprocess.Popen([*PEERLEARN, "serve", "profiles"], env=env, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/health", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        statuses = []
        with httpx.Client(base_url=base, timeout=10) as client:
            for n in range(10):
                # Anonymous reads and writes both (whichever the limits count), each from "another client".
                headers = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
                if n % 2:
                    response = client.post("/v1/orgs", headers=headers, json={})
                else:
                    response = client.get("/v1/orgs/no-such-org", headers=headers)
                statuses.append(response.status_code)
        assert (429 in statuses) is not bool(trusted), statuses
    finally:
        process.terminate()
        process.wait(30)


def test_a_password_in_the_nats_url_is_not_printed(tmp_path: Path) -> None:
    port = free_port()
    env = system_env(tmp_path / "var", PEERLEARN_NATS_URL=f"nats://operator:s3cret-pw@127.0.0.1:{port}")
    result = subprocess.run([*PEERLEARN, "up"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot reach NATS at nats://operator:***@127.0.0.1:{port}" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout
