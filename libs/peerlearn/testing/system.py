"""The whole system for end-to-end tests, started as ``peerlearn up`` starts it.

Every service and the embedded NATS get a free port (so a test never collides with a system a
developer left running on the default ports, nor with another test's), the data lives in a
temporary folder, and the platform-admin credential is the test's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from peerlearn.runner import SERVICES, System, free_port, start_system


def system_env(data_dir: Path, admin_token: str, **extra: str) -> dict[str, str]:
    """The environment of a test system: every port free, the data under ``data_dir``."""
    env = {
        "PATH": "/usr/bin:/bin",
        "PEERLEARN_DATA_DIR": str(data_dir),
        "PEERLEARN_ADMIN_TOKEN": admin_token,
        "PEERLEARN_NATS_PORT": str(free_port()),
        **{f"PEERLEARN_{name.upper()}_PORT": str(free_port()) for name in SERVICES},
    }
    if "PEERLEARN_WEB_PORT" in env:  # links in mails lead to this system's own web app
        env["PEERLEARN_PUBLIC_URL"] = f"http://127.0.0.1:{env['PEERLEARN_WEB_PORT']}"
    if os.environ.get("PYTHONPATH"):  # a developer pointing the services at another checkout
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(extra)
    return env


@contextmanager
def running_system(data_dir: Path, admin_token: str, *, lrs: bool = False, **extra: str) -> Iterator[System]:
    """Start the system (every service ready; with ``lrs`` a Ralph LRS on a free port too, as
    ``peerlearn up --lrs``) and stop it, whatever happens in between."""
    if lrs:
        extra.setdefault("PEERLEARN_LRS_PORT", str(free_port()))
    env = system_env(data_dir, admin_token, **extra)
    running = start_system(env, lrs=lrs)
    running.env.update(env)
    try:
        yield running
    finally:
        running.stop()
