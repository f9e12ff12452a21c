"""Every timestamp profiles answers with is RFC 3339 with its offset, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _utc(stamp: str) -> bool:
    """Whether ``stamp`` names its offset, and it is UTC (what profiles stores)."""
    return datetime.fromisoformat(stamp).utcoffset() == timedelta(0)


async def test_timestamps_read_back_carry_their_utc_offset(profiles: Any) -> None:
    org_id = await profiles.org("Clocks")
    admin = await profiles.person(org_id, roles=["org_admin"])
    token = await profiles.token(admin["id"])
    cohort_id = await profiles.cohort(token)
    await profiles.add(cohort_id, admin["id"], token)
    # Read back from the store (not the values just written, which were never naive).
    org = (await profiles.call("GET", f"/v1/orgs/{org_id}", token, expect=200)).json()
    me = (await profiles.call("GET", "/v1/me", token, expect=200)).json()
    person = (await profiles.call("GET", f"/v1/people/{admin['id']}", token, expect=200)).json()
    cohort = (await profiles.call("GET", f"/v1/cohorts/{cohort_id}", token, expect=200)).json()
    listed = (await profiles.call("GET", "/v1/cohorts", token, expect=200)).json()
    stamps = {
        "org": org["created_at"],
        "me.created_at": me["created_at"],
        "me.updated_at": me["updated_at"],
        "person.updated_at": person["updated_at"],
        "cohort": cohort["created_at"],
        "cohorts[0]": listed[0]["created_at"],
    }
    assert {name: stamp for name, stamp in stamps.items() if not _utc(stamp)} == {}
