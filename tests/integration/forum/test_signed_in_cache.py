"""The read cache for signed-in readers (``http.cached_reads.cached_for_reader``): a signed-in
reader's pages come from it, kept per caller and content version, so a body kept for one caller
is never served to another (a member of an org and a non-member) and never stale after a write
(a new answer, the caller's own vote, a membership change). On both engines."""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn import events
from peerlearn.read_cache import read_cache_for

from .conftest import Forum, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _signed_in(forum: Forum, path: str, reader: Person) -> dict[str, Any]:
    """Read ``path`` as ``reader`` twice: the second answer comes from the cache (checked)."""
    cache = read_cache_for(forum.database)
    first = await forum.client.get(path, headers=reader.headers)
    assert first.status_code == 200, first.text
    hits = cache.hits
    second = await forum.client.get(path, headers=reader.headers)
    assert cache.hits == hits + 1, "the second signed-in read was not served from the cache"
    assert second.content == first.content
    body: dict[str, Any] = second.json()
    return body


async def _space_ids(forum: Forum, reader: Person) -> set[str]:
    return {s["id"] for s in (await _signed_in(forum, "/v1/spaces?limit=100", reader))["items"]}


async def test_a_members_cached_pages_are_never_served_to_a_non_member(forum: Forum) -> None:
    admin, member, thread = await forum.org_thread("org-sc-a")
    outsider = await forum.person("org-sc-b")
    await forum.settle()
    thread_path = f"/v1/threads/{thread['id']}"
    listing = f"/v1/spaces/{thread['space_id']}/threads?sort=active"

    assert (await _signed_in(forum, thread_path, member))["id"] == thread["id"]
    assert [t["id"] for t in (await _signed_in(forum, listing, member))["items"]] == [thread["id"]]
    assert thread["space_id"] in await _space_ids(forum, member)

    # Same paths, same content version, another caller: nothing of the member's comes back.
    assert (await forum.client.get(thread_path, headers=outsider.headers)).status_code == 404
    assert (await forum.client.get(listing, headers=outsider.headers)).status_code == 404
    assert thread["space_id"] not in await _space_ids(forum, outsider)
    assert (await forum.client.get(thread_path)).status_code == 404
    # And the member's own cached answer still stands (the outsider's 404 was not kept for them).
    assert (await _signed_in(forum, thread_path, member))["id"] == thread["id"]
    assert (await _signed_in(forum, thread_path, admin))["id"] == thread["id"]


async def test_a_signed_in_readers_next_read_sees_a_new_answer_and_their_own_vote(forum: Forum) -> None:
    admin, member, thread = await forum.org_thread("org-sc-w")
    thread_path = f"/v1/threads/{thread['id']}"
    listing = f"/v1/spaces/{thread['space_id']}/threads?sort=active"

    view = await _signed_in(forum, thread_path, member)
    assert view["posts"] == [] and view["score"] == 0
    summary = (await _signed_in(forum, listing, member))["items"][0]
    post = await forum.post(thread["id"], admin, "Use asyncio.gather.")
    assert [p["id"] for p in (await _signed_in(forum, thread_path, member))["posts"]] == [post["id"]]
    changed = (await _signed_in(forum, listing, member))["items"][0]
    assert changed != summary

    voted = await forum.client.post(
        f"/v1/threads/{thread['id']}/votes", json={"value": 1}, headers=member.headers
    )
    assert voted.status_code == 200, voted.text
    assert (await _signed_in(forum, thread_path, member))["score"] == 1
    voted = await forum.client.post(
        f"/v1/posts/{post['id']}/votes", json={"value": 1}, headers=member.headers
    )
    assert voted.status_code == 200, voted.text
    assert (await _signed_in(forum, thread_path, member))["posts"][0]["score"] == 1


async def test_a_membership_change_is_seen_by_the_callers_next_read(forum: Forum) -> None:
    admin, member, thread = await forum.org_thread("org-sc-m")
    thread_path = f"/v1/threads/{thread['id']}"
    listing = f"/v1/spaces/{thread['space_id']}/threads?sort=active"
    assert (await _signed_in(forum, thread_path, member))["id"] == thread["id"]
    assert (await _signed_in(forum, listing, member))["items"]
    assert thread["space_id"] in await _space_ids(forum, member)

    # Profiles moves the member to another org: the org's pages are gone from their next reads.
    moved = events.PersonProfile(
        id=member.id, org_id="org-sc-elsewhere", display_name=member.name, roles=list(member.roles)
    )
    await forum.publish(events.PersonUpserted(person=moved), org_id="org-sc-elsewhere")
    await forum.settle()
    assert (await forum.client.get(thread_path, headers=member.headers)).status_code == 404
    assert (await forum.client.get(listing, headers=member.headers)).status_code == 404
    assert thread["space_id"] not in await _space_ids(forum, member)

    # A cohort: joining shows its space in the next listing, leaving hides it again.
    learner = await forum.person("org-sc-m2")
    cohort_id = await forum.cohort("org-sc-m", "org-sc-m2")
    await forum.settle()
    cohort_space = await forum.space("cohort", admin.headers, cohort_id=cohort_id)
    assert cohort_space["id"] not in await _space_ids(forum, learner)
    await forum.join(cohort_id, learner)
    await forum.settle()
    assert cohort_space["id"] in await _space_ids(forum, learner)
    await forum.leave(cohort_id, learner)
    await forum.settle()
    assert cohort_space["id"] not in await _space_ids(forum, learner)


async def test_a_search_kept_for_a_member_is_never_served_to_another_and_sees_a_new_post(
    forum: Forum,
) -> None:
    admin, member, thread = await forum.org_thread("org-sc-s")
    outsider = await forum.person("org-sc-t")
    await forum.client.patch(
        f"/v1/threads/{thread['id']}", json={"title": "Quokka husbandry basics"}, headers=admin.headers
    )
    await forum.settle()
    path = "/v1/search?q=quokka"

    found = await _signed_in(forum, path, member)
    assert [hit["thread_id"] for hit in found["items"]] == [thread["id"]]
    # The same words at the same version, searched by someone who may not see the space.
    outsiders = await forum.client.get(path, headers=outsider.headers)
    assert outsiders.status_code == 200 and outsiders.json()["items"] == []
    assert (await forum.client.get(path)).json()["items"] == []

    post = await forum.post(thread["id"], admin, "Quokka pellets, twice a day.")
    hits = (await _signed_in(forum, path, member))["items"]
    assert post["id"] in [hit["post_id"] for hit in hits]
