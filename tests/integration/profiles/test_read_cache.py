"""A person's profile from the read cache (``peerlearn.cached_reads``): per reader, never stale.

Each caller's read of a person is kept under that caller and the content version; these tests
read every view twice (the second read is the cache's) and check that a body never reaches
another caller, and that each kind of write the view depends on (the person's own edit, an org
admin's demotion, a cohort membership ending, an erasure) is seen by the very next read.
"""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn.read_cache import read_cache_for
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN as ADMIN

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _read_twice(profiles: Any, path: str, token: str, expect: int) -> dict[str, Any]:
    """The answer to ``path`` for ``token``, read twice: the two must agree."""
    first = await profiles.call("GET", path, token, expect=expect)
    second = await profiles.call("GET", path, token, expect=expect)
    assert second.json() == first.json()
    return dict(first.json())


async def _shared_cohort(profiles: Any, subject: Any, admin_token: str, org_b: str, fellow: Any) -> str:
    """A cohort of both orgs with ``subject`` (org A) and ``fellow`` (org B) in it: its id."""
    cohort = await profiles.cohort(admin_token, "Shared")
    b_admin = await profiles.person(org_b, roles=["org_admin"])
    await profiles.join(cohort, org_b, admin_token, await profiles.token(b_admin["id"]))
    await profiles.add(cohort, subject["id"], admin_token)
    await profiles.add(cohort, fellow["id"])
    return str(cohort)


async def test_each_caller_gets_their_own_view_of_a_person_and_no_other(profiles: Any) -> None:
    org_a, org_b = await profiles.org("Acme"), await profiles.org("Partner")
    subject = await profiles.person(org_a, display_name="Grace Hopper")
    admin = await profiles.person(org_a, roles=["org_admin"])
    colleague = await profiles.person(org_a)
    outsider = await profiles.person(org_b)
    fellow = await profiles.person(org_b)
    admin_token = await profiles.token(admin["id"])
    await _shared_cohort(profiles, subject, admin_token, org_b, fellow)
    path = f"/v1/people/{subject['id']}"
    cache = read_cache_for(profiles.database)
    hits = cache.hits

    # The outsider first: were its 404 kept for the path alone, everyone after would get it.
    await _read_twice(profiles, path, await profiles.token(outsider["id"]), 404)
    own = await _read_twice(profiles, path, await profiles.token(subject["id"]), 200)
    by_admin = await _read_twice(profiles, path, admin_token, 200)
    by_colleague = await _read_twice(profiles, path, await profiles.token(colleague["id"]), 200)
    by_fellow = await _read_twice(profiles, path, await profiles.token(fellow["id"]), 200)
    by_platform = await _read_twice(profiles, path, ADMIN, 200)

    assert own["email"] == subject["email"] and by_admin["email"] == subject["email"]
    assert by_platform["email"] == subject["email"]
    assert by_colleague["email"] is None and by_colleague["display_name"] == "Grace Hopper"
    assert by_fellow["type"] == "card" and "email" not in by_fellow
    assert cache.hits >= hits + 5  # the second reads came from the cache


async def test_a_write_is_seen_by_the_next_read_of_every_caller(profiles: Any) -> None:
    org_a, org_b = await profiles.org("Acme"), await profiles.org("Partner")
    subject = await profiles.person(org_a, bio="Before")
    admin = await profiles.person(org_a, roles=["org_admin"])
    fellow = await profiles.person(org_b)
    admin_token = await profiles.token(admin["id"])
    subject_token = await profiles.token(subject["id"])
    fellow_token = await profiles.token(fellow["id"])
    cohort = await _shared_cohort(profiles, subject, admin_token, org_b, fellow)
    path = f"/v1/people/{subject['id']}"
    assert (await _read_twice(profiles, path, admin_token, 200))["bio"] == "Before"
    assert (await _read_twice(profiles, "/v1/me", subject_token, 200))["bio"] == "Before"
    await _read_twice(profiles, path, fellow_token, 200)

    # The person's own edit: their profile and the admin's view of it.
    await profiles.call("PUT", path, subject_token, json={"bio": "After"}, expect=200)
    assert (await profiles.call("GET", "/v1/me", subject_token, expect=200)).json()["bio"] == "After"
    assert (await profiles.call("GET", path, admin_token, expect=200)).json()["bio"] == "After"

    # A cohort membership ending: the fellow of another org no longer sees them at all.
    await profiles.call("DELETE", f"/v1/cohorts/{cohort}/members/{subject['id']}", admin_token, expect=204)
    await profiles.call("GET", path, fellow_token, expect=404)

    # The admin demoted (by the platform admin): their token's next read is a colleague's, no email.
    await profiles.call("PUT", f"/v1/people/{admin['id']}", ADMIN, json={"roles": ["learner"]}, expect=200)
    assert (await profiles.call("GET", path, admin_token, expect=200)).json()["email"] is None

    # The caller erased: their token's next read is refused.
    await profiles.call("DELETE", f"/v1/people/{admin['id']}", ADMIN, expect=204)
    await profiles.call("GET", path, admin_token, expect=401)
