"""Search: ranked, over titles, bodies and tags, paged, on FTS5 and on tsvector alike."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from .conftest import ADMIN, Forum

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_ranked_search_over_titles_bodies_and_tags(forum: Forum) -> None:
    admin = await forum.person("org-search", "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    in_title = await forum.thread(space["id"], admin, title="Kubernetes probes explained", body="Liveness.")
    in_tags = await forum.thread(space["id"], admin, title="Cluster health", tags=["kubernetes"])
    in_body = await forum.thread(
        space["id"], admin, title="Deployment notes", body="We moved the service to kubernetes last year."
    )
    answer = await forum.post(in_body["id"], admin, "Kubernetes probes need a timeout.")
    unrelated = await forum.thread(space["id"], admin, title="Pandas merge", body="slow joins")

    hits = (await forum.client.get("/v1/search?q=kubernetes", headers=admin.headers)).json()["items"]
    ids = [(h["thread_id"], h["post_id"]) for h in hits]
    assert set(ids) == {
        (in_title["id"], None),
        (in_tags["id"], None),
        (in_body["id"], None),
        (in_body["id"], answer["id"]),
    }
    assert unrelated["id"] not in {h["thread_id"] for h in hits}
    # A title match outranks a body-only match.
    assert ids.index((in_title["id"], None)) < ids.index((in_body["id"], None))
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    post_hit = next(h for h in hits if h["post_id"] == answer["id"])
    assert post_hit["kind"] == "post" and post_hit["title"] == "Deployment notes"

    # Every word must match; stemming finds "probe" in "probes".
    both = (await forum.client.get("/v1/search?q=kubernetes probe", headers=admin.headers)).json()["items"]
    assert {(h["thread_id"], h["post_id"]) for h in both} == {
        (in_title["id"], None),
        (in_body["id"], answer["id"]),
    }

    # Pages: no hit twice, none lost.
    page = (await forum.client.get("/v1/search?q=kubernetes&limit=3", headers=admin.headers)).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = (
        await forum.client.get(
            f"/v1/search?q=kubernetes&limit=3&cursor={page['next_cursor']}", headers=admin.headers
        )
    ).json()
    paged = [(h["thread_id"], h["post_id"]) for h in page["items"] + rest["items"]]
    assert [h["rank"] for h in page["items"] + rest["items"]] == list(range(1, len(paged) + 1))
    assert sorted(paged, key=str) == sorted(ids, key=str) and rest["next_cursor"] is None


async def test_edits_and_deletes_reach_the_index(forum: Forum) -> None:
    admin = await forum.person("org-search2", "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], admin, title="About wombats")
    assert len((await forum.client.get("/v1/search?q=wombats", headers=admin.headers)).json()["items"]) == 1
    await forum.client.patch(
        f"/v1/threads/{thread['id']}", json={"title": "About numbats"}, headers=admin.headers
    )
    assert (await forum.client.get("/v1/search?q=wombats", headers=admin.headers)).json()["items"] == []
    assert len((await forum.client.get("/v1/search?q=numbats", headers=admin.headers)).json()["items"]) == 1
    await forum.client.delete(f"/v1/threads/{thread['id']}", headers=admin.headers)
    assert (await forum.client.get("/v1/search?q=numbats", headers=admin.headers)).json()["items"] == []


async def test_what_the_caller_cannot_see_never_moves_what_search_answers(forum: Forum) -> None:
    """Issue 9 §3: a raw bm25 score is computed over the whole index, so comparing scores told
    whether invisible documents contain a word. ``rank`` is now the hit's place among what the
    caller may see, so invisible documents change nothing in the answer."""
    word = "quokka" + uuid.uuid4().hex[:8]
    admin = await forum.person("org-rank", "org_admin")
    await forum.settle()
    public = await forum.space("public", ADMIN)
    hidden = await forum.space("org", admin.headers)
    await forum.thread(public["id"], admin, title=f"Caring for a {word}", body="Shade and leaves.")
    await forum.thread(public["id"], admin, title="Island life", body=f"A {word} came by, then left.")

    async def anonymous_answer() -> list[dict[str, object]]:
        response = await forum.client.get(f"/v1/search?q={word}")
        assert response.status_code == 200
        return list(response.json()["items"])

    before = await anonymous_answer()
    assert [h["rank"] for h in before] == [1, 2]
    for i in range(6):
        await forum.thread(hidden["id"], admin, title=f"{word} notes {i}", body=f"{word} {word} {word}")
    assert await anonymous_answer() == before
    assert len((await forum.client.get(f"/v1/search?q={word}", headers=admin.headers)).json()["items"]) == 8


async def test_a_search_past_the_loop_s_budget_answers_the_same_through_the_async_driver(
    forum: Forum, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import asynccontextmanager

    from peerlearn import loop_reads
    from peerlearn_forum.usecases import search

    admin = await forum.person("org-budget", "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    for n in range(30):
        await forum.thread(space["id"], admin, title=f"Budgeting sprint {n}", body="budget " * (n % 5 + 1))
    outcomes: list[str] = []
    budgeted = loop_reads.reading

    @asynccontextmanager
    async def watched(uow: Any, **budget: Any) -> AsyncIterator[Any]:
        try:
            async with budgeted(uow, **budget) as session:
                yield session
            outcomes.append("within")
        except loop_reads.ReadTooLong:
            outcomes.append("too long")
            raise

    monkeypatch.setattr(loop_reads, "reading", watched)
    within = (await forum.client.get("/v1/search?q=budget&limit=25", headers=admin.headers)).json()
    # The smallest budget: interrupted at the first count of the progress handler.
    monkeypatch.setattr(search, "SEARCH_STEPS", 0)
    monkeypatch.setattr(loop_reads, "_STEP_GRAIN", 10)
    past = (await forum.client.get("/v1/search?q=budget&limit=24", headers=admin.headers)).json()

    expected = ["within", "too long"] if forum.database.is_sqlite else ["within", "within"]
    assert outcomes == expected
    assert len(within["items"]) == 25
    assert past["items"] == within["items"][:24]
