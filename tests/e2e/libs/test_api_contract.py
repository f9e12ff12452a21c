"""Every service's OpenAPI document tells the truth, checked by schemathesis against the system
started as the README does (``peerlearn up``), as the platform admin and as a person.

Fails on any server error, any status a route answers that its document does not list, and
any answer that does not fit its documented schema, media type or headers.

The two callers' runs of a service go side by side. Each run is one pass over every operation
(its examples, the coverage phase's boundary and negative cases, then 10 fuzzed cases), with no
time budget: under ``--max-time`` schemathesis repeats fuzzing until the budget is spent (every
run cost the full budget) and stops wherever it is when it runs out, so an operation late in a
slow document was never called. Event streams stay open while the caller looks; they are read
up to their first event (at most 5 s), instead of holding each case for the whole request timeout.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from peerlearn.runner import System
from peerlearn.testing.system import running_system

pytestmark = pytest.mark.e2e

ADMIN = "contract-admin-token-" + "k" * 30
SERVICES = ("profiles", "forum", "matcher", "notify", "insights")
# Server-sent event streams (the matcher's suggestions, notify's notifications): the first event,
# or 5 s of silence (a person the service does not know yet opens a stream that says nothing).
STREAMS_CONFIG = """
[[operations]]
include-path-regex = "/stream$"
max-stream-events = 1
request-timeout = 5
"""
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
        "response_headers_conformance",
    )
)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    unlimited = "1000000"
    with running_system(
        tmp_path_factory.mktemp("peerlearn-contract"),
        ADMIN,
        PEERLEARN_RATE_LIMIT_PER_MINUTE=unlimited,
        PEERLEARN_READ_RATE_LIMIT_PER_MINUTE=unlimited,
        PEERLEARN_FORUM_POST_RATE_PER_MINUTE=unlimited,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def person_token(system: System) -> str:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=system.urls["profiles"], timeout=30) as profiles:
        org = profiles.post("/v1/orgs", json={"name": "Contract Co", "kind": "partner"}, headers=admin).json()
        person = profiles.post(
            f"/v1/orgs/{org['id']}/people",
            json={"display_name": "Casey Contract", "email": "casey@contract.test", "roles": ["org_admin"]},
            headers=admin,
        ).json()
        token: str = profiles.post("/v1/tokens", json={"person_id": person["id"]}, headers=admin).json()[
            "token"
        ]
    return token


def _schemathesis(url: str, token: str, folder: Path) -> subprocess.Popen[bytes]:
    """Start one schemathesis run over the document at ``url`` as the caller of ``token``; its
    output goes to ``folder / "output.txt"`` (two runs at once must not block on a full pipe)."""
    folder.mkdir()
    config = folder / "schemathesis.toml"
    # The run's cache (requests it replays on the next run) stays with the run, not in the checkout.
    config.write_text(f'[cache]\ndirectory = "{folder / "cache"}"\n' + STREAMS_CONFIG)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{url}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "10",
        # Stateful chains are long; the single-operation phases cover every route's answers.
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "20261201",
        "--header",
        f"Authorization: Bearer {token}",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report-dir",
        str(folder),
    ]
    with (folder / "output.txt").open("wb") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def _problems(caller: str, run: subprocess.Popen[bytes], folder: Path, deadline: float) -> list[str]:
    """What is wrong with a finished run: its failures, or an operation it never called."""
    try:
        run.wait(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        run.kill()
        run.wait()
        return [f"as {caller}: schemathesis did not finish in time:\n{_read(folder)[-5000:]}"]
    output = _read(folder)
    if run.returncode != 0:
        return [f"as {caller}: schemathesis found problems:\n{output[-20000:]}"]
    # Every operation of the document was called, none left out.
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    if not (selected and tested and selected[1] == selected[2] == tested[1]):
        return [f"as {caller}: not every operation was tested:\n{output[-5000:]}"]
    return []


def _read(folder: Path) -> str:
    return (folder / "output.txt").read_text(errors="replace")


@pytest.mark.timeout(960)
@pytest.mark.parametrize("service", SERVICES)
def test_the_openapi_document_tells_the_truth(
    system: System, person_token: str, service: str, tmp_path: Path
) -> None:
    """As the platform admin and as a person, side by side (one service, two independent callers:
    each has its own idempotency keys and rate-limit buckets), each run a process of its own."""
    tokens = {"admin": ADMIN, "person": person_token}
    deadline = time.monotonic() + 900
    runs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for caller, token in tokens.items():
            runs[caller] = _schemathesis(system.urls[service], token, tmp_path / caller)
        problems = [
            problem
            for caller, run in runs.items()
            for problem in _problems(caller, run, tmp_path / caller, deadline)
        ]
    finally:
        for run in runs.values():  # a failed start or an interrupted test leaves no run behind
            if run.poll() is None:
                run.kill()
                run.wait()
    assert not problems, f"{service}: " + "\n\n".join(problems)
