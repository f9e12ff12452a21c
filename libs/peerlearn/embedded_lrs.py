"""A Ralph learning record store (``ralph-malph``) on this machine, with its file-system backend:
what ``peerlearn up --lrs`` starts for insights to send its xAPI statements to, and what the
tests read statements back from (:mod:`peerlearn.testing.lrs`).

Ralph pins its own FastAPI, so it lives in a venv of its own, ``.venv-lrs`` at the repository's
root (``make lrs``), or wherever ``PEERLEARN_RALPH`` names its ``ralph`` executable. Its users
are made with ``ralph auth --write-to-disk`` into a credentials file under its home
(``RALPH_AUTH_FILE``); each user may have a ``target`` of its own, a separate statement store in
the same server (one LRS per org from one server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
# Ralph 5.1.0's `ralph runserver -b fs` stores one POST per store: its file-system backend
# writes in "create" mode, so the second POST of new statements is a 500 ("fs_lrs.jsonl already
# exists"). We serve the same app through uvicorn (what runserver does, without its reloader)
# with the backend appending, which is what an LRS on files needs.
SERVE = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
"""


def ralph_binary(env: Mapping[str, str] | None = None, variable: str = "PEERLEARN_RALPH") -> str | None:
    """The ``ralph`` executable: the one ``variable`` of ``env`` (default: this process's
    environment) names, else ``.venv-lrs/bin/ralph`` (``make lrs``)."""
    named = (os.environ if env is None else env).get(variable) or str(ROOT / ".venv-lrs" / "bin" / "ralph")
    return named if Path(named).is_file() and os.access(named, os.X_OK) else None


@dataclass(frozen=True)
class LrsUser:
    """One HTTP Basic user of the LRS; ``target`` is its own statement store (None: the default)."""

    username: str
    password: str
    target: str | None = None


@dataclass
class RalphLrs:
    """A Ralph LRS on a free port; :meth:`stop` and :meth:`start` keep its statements."""

    binary: str
    home: Path
    port: int
    users: dict[str, LrsUser] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """The xAPI base (statements are POSTed to ``<endpoint>/statements``)."""
        return f"http://127.0.0.1:{self.port}/xAPI"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RALPH_AUTH_FILE": str(self.home / "auth.json"),
            "RALPH_HISTORY_FILE": str(self.home / "history.json"),
            # `ralph auth` imports the API, which loads the configured backend.
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.home / "data"),
        }

    def add_user(self, username: str, password: str, *, target: str | None = None) -> LrsUser:
        """Make a user with ``ralph auth`` (every scope; its agent is an account of peerlearn).
        Before :meth:`start`: the server reads its credentials file once."""
        args = [self.binary, "auth", "-u", username, "-p", password, "-s", "all", "-w"]
        args += ["-A", username, "https://peerlearn.test"]
        if target is not None:
            args += ["-t", target]
            (self.home / "data" / target).mkdir(parents=True, exist_ok=True)
        subprocess.run(args, env=self._env(), cwd=self.home, check=True, capture_output=True, timeout=60)
        user = LrsUser(username, password, target)
        self.users[username] = user
        return user

    def start(self, preexec_fn: Callable[[], None] | None = None) -> RalphLrs:
        """Start Ralph's API (``ralph.api:app``, as ``ralph runserver -b fs`` does) and wait until
        it answers; ``preexec_fn`` runs in the child (``peerlearn up`` ties it to the runner)."""
        (self.home / "data").mkdir(parents=True, exist_ok=True)
        log = (self.home / "ralph.log").open("ab")
        python = str(Path(self.binary).parent / "python")
        self.process = subprocess.Popen(
            [python, "-c", SERVE, str(self.port)],
            env=self._env(),
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=preexec_fn is None,
            preexec_fn=preexec_fn,
        )
        log.close()  # the child has its own copy
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ralph exited at start: {self.log_tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"ralph did not answer on port {self.port}: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (its statements stay on disk)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self) -> str:
        path = self.home / "ralph.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def post(self, username: str, statements: list[dict[str, Any]]) -> httpx.Response:
        """POST ``statements`` to the user's store as an LRS client would (the test's own writes)."""
        user = self.users[username]
        return httpx.post(
            f"{self.endpoint}/statements",
            json=statements,
            auth=(user.username, user.password),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )

    def statements(self, username: str) -> list[dict[str, Any]]:
        """Every statement the user's store holds, read through ``GET /xAPI/statements``."""
        user = self.users[username]
        found: list[dict[str, Any]] = []
        url: str | None = f"{self.endpoint}/statements?limit=100"
        while url:
            response = httpx.get(
                url,
                auth=(user.username, user.password),
                headers={"X-Experience-API-Version": "1.0.3"},
                timeout=10,
            )
            response.raise_for_status()
            body = response.json()
            found += body["statements"]
            more = body.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else None
        return found
