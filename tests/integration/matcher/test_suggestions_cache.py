"""A person's suggestions page from the read cache (``usecases.suggestions.list_suggestions``).

The caller and the page's rows are kept per content version: these tests read a page twice (the
second read is the cache's) and check that nobody but its person (and the platform admin) gets
it after it was kept, and that what the page shows (a new candidate, a candidate's new name, the
person's erasure) is seen by the very next read.
"""

from __future__ import annotations

import msgspec
import pytest

from peerlearn import events
from peerlearn.read_cache import read_cache_for

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_kept_page_reaches_its_person_and_the_platform_admin_only(matcher: Harness) -> None:
    org = new_org()
    learner = await matcher.upsert(person(org, "Kim Cached", want={"elixir": 1}))
    peer = await matcher.upsert(person(org, "Lee Cached", want={"elixir": 2}))
    path = f"/v1/people/{learner.id}/suggestions"
    cache = read_cache_for(matcher.database)
    first = await matcher.client.get(path, headers=matcher.headers(learner))
    hits = cache.hits
    second = await matcher.client.get(path, headers=matcher.headers(learner))
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() and first.json()["items"]
    assert cache.hits >= hits + 2  # the caller and the page, both kept

    assert (await matcher.client.get(path, headers=matcher.headers(peer))).status_code == 404
    stranger = person(new_org(), "Sam Stranger")
    assert (await matcher.client.get(path, headers=matcher.headers(stranger))).status_code == 404
    by_admin = await matcher.client.get(path, headers=matcher.admin)
    assert by_admin.status_code == 200 and by_admin.json()["items"] == first.json()["items"]


async def test_the_next_read_after_a_change_shows_it(matcher: Harness) -> None:
    org = new_org()
    learner = await matcher.upsert(person(org, "Max Fresh", want={"erlang": 1}))
    peer = await matcher.upsert(person(org, "Noa Fresh", want={"erlang": 2}))
    assert [s["candidate_name"] for s in await matcher.suggestions(learner, "peer")] == ["Noa Fresh"]
    await matcher.suggestions(learner, "peer")  # kept now

    # A candidate renamed: the page's rows need not change, the name read with them does.
    await matcher.upsert(msgspec.structs.replace(peer, display_name="Noa Renamed"))
    assert "Noa Renamed" in [s["candidate_name"] for s in await matcher.suggestions(learner, "peer")]

    # A new candidate: the list is recomputed, and the next read lists them.
    mentor = await matcher.upsert(
        person(org, "Ola Mentor", have={"erlang": 5}, roles=("mentor",), mentor_capacity=2)
    )
    assert mentor.id in await matcher.candidates(learner)

    # The person erased: their token's next read finds no such person.
    await matcher.publish(events.PersonDeleted(person_id=learner.id, org_id=org), org_id=org)
    path = f"/v1/people/{learner.id}/suggestions"
    assert (await matcher.client.get(path, headers=matcher.headers(learner))).status_code == 404
