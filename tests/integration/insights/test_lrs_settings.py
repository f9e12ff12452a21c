"""An org's learning record store: set and read by its admins and the platform admin (others
404), checked, the password sealed at rest and never answered, delivery shown."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from peerlearn.sealing import SecretSealer
from peerlearn.testing.plugin import TEST_JWT_SECRET
from peerlearn_insights.adapters.tables import org_lrs

from .conftest import ADMIN, Insights

pytestmark = pytest.mark.asyncio(loop_scope="module")

GOOD = {"endpoint": "https://lrs.example.org/xAPI/", "username": "peerlearn", "password": "s3cret-pw"}


async def test_an_org_admin_sets_the_lrs_and_never_reads_the_password(insights: Insights) -> None:
    org, other = "o-" + uuid.uuid4().hex[:8], "o-" + uuid.uuid4().hex[:8]
    admin = await insights.person(org, roles=("org_admin",))
    learner = await insights.person(org)
    other_admin = await insights.person(other, roles=("org_admin",))
    await insights.settle()
    path = f"/v1/orgs/{org}/lrs"
    assert (await insights.client.get(path, headers=admin.headers)).status_code == 404
    put = await insights.client.put(path, json=GOOD, headers=admin.headers)
    assert put.status_code == 200, put.text
    assert put.json()["endpoint"] == "https://lrs.example.org/xAPI"
    for reader in (admin.headers, ADMIN):
        got = await insights.client.get(path, headers=reader)
        assert got.status_code == 200, got.text
        assert {k: got.json()[k] for k in ("endpoint", "username")} == {
            "endpoint": "https://lrs.example.org/xAPI",
            "username": "peerlearn",
        }
        assert "s3cret-pw" not in got.text and "password" not in got.json()
        assert got.json()["source"] == "org"
        assert got.json()["delivery"] == {
            "pending": 0,
            "sent": 0,
            "failed": 0,
            "last_error": None,
            "last_error_at": None,
            "last_sent_at": None,
        }
    async with insights.database.reading() as session:
        stored = await session.scalar(sa.select(org_lrs.c.password).where(org_lrs.c.org_id == org))
    assert stored is not None and "s3cret-pw" not in stored
    assert SecretSealer(TEST_JWT_SECRET, "insights lrs password").open(stored) == "s3cret-pw"
    for stranger in (learner.headers, other_admin.headers):
        assert (await insights.client.get(path, headers=stranger)).status_code == 404
        assert (await insights.client.put(path, json=GOOD, headers=stranger)).status_code == 404
    assert (await insights.client.get(path)).status_code == 401
    assert (await insights.client.put("/v1/orgs/o-unknown/lrs", json=GOOD, headers=ADMIN)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {**GOOD, "endpoint": "ftp://lrs.example.org"},
        {**GOOD, "endpoint": "https://user:pw@lrs.example.org/xAPI"},
        {**GOOD, "password": ""},
        {**GOOD, "username": "   "},
        {**GOOD, "extra": 1},
        {"endpoint": GOOD["endpoint"], "username": "u"},
    ],
)
async def test_a_bad_lrs_is_refused_saying_why(insights: Insights, body: dict) -> None:
    org = "o-" + uuid.uuid4().hex[:8]
    admin = await insights.person(org, roles=("org_admin",))
    await insights.settle()
    response = await insights.client.put(f"/v1/orgs/{org}/lrs", json=body, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert (await insights.client.get(f"/v1/orgs/{org}/lrs", headers=admin.headers)).status_code == 404
