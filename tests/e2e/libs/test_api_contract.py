"""Every service's OpenAPI document tells the truth, checked by schemathesis against the system
started as the README does (``peerlearn up``), as the platform admin and as a person.

Fails on any server error, any status a route answers that its document does not list, and
any answer that does not fit its documented schema, media type or headers.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from peerlearn.runner import System
from peerlearn.testing.system import running_system

pytestmark = pytest.mark.e2e

ADMIN = "contract-admin-token-" + "k" * 30
SERVICES = ("profiles", "forum", "matcher", "notify", "insights")
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


@pytest.mark.timeout(600)
@pytest.mark.parametrize("caller", ["admin", "person"])
@pytest.mark.parametrize("service", SERVICES)
def test_the_openapi_document_tells_the_truth(
    system: System, person_token: str, service: str, caller: str, tmp_path: Path
) -> None:
    token = ADMIN if caller == "admin" else person_token
    url = system.urls[service]
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{url}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "10",
        # Stateful chains are long; the single-operation phases cover every route's answers.
        "--phases",
        "examples,coverage,fuzzing",
        "--max-time",
        "45",
        "--seed",
        "20261201",
        "--header",
        f"Authorization: Bearer {token}",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, (
        f"schemathesis found problems in {service} as {caller}:\n{run.stdout[-20000:]}"
    )
