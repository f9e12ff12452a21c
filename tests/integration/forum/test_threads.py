"""Asking, answering, listing, reading and editing threads; votes and accepted answers; events."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from peerlearn import events

from .conftest import ADMIN, Forum, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def org() -> str:
    return "org-threads"


async def _people(forum: Forum, org: str) -> tuple[Person, Person, Person, dict[str, Any]]:
    asker = await forum.person(org, name="Ada Asker")
    answerer = await forum.person(org, name="Bo Answerer")
    admin = await forum.person(org, "org_admin", name="Cy Admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    return asker, answerer, admin, space


async def test_question_answer_accept_flow_with_events(forum: Forum, org: str) -> None:
    asker, answerer, admin, space = await _people(forum, org)
    thread = await forum.thread(
        space["id"],
        asker,
        title="Why is my pandas merge slow?",
        body="I merge two **big** frames.",
        tags=["Pandas", "performance", "pandas"],
    )
    assert thread["tags"] == ["pandas", "performance"]
    assert thread["author"] == {"id": asker.id, "display_name": "Ada Asker"}
    post = await forum.post(thread["id"], answerer, "Set an index on both frames first.")
    other = await forum.post(thread["id"], admin, "Or use merge_asof.")

    response = await forum.client.post(
        f"/v1/threads/{thread['id']}/accept", json={"post_id": post["id"]}, headers=asker.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["answer_author_reputation"] == 15

    # Moving the acceptance takes the points back from the first answerer.
    response = await forum.client.post(
        f"/v1/threads/{thread['id']}/accept", json={"post_id": other["id"]}, headers=asker.headers
    )
    assert response.json() == {
        "thread_id": thread["id"],
        "accepted_post_id": other["id"],
        "answer_author_reputation": 15,
    }

    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=asker.headers)).json()
    assert view["accepted_post_id"] == other["id"]
    assert [p["id"] for p in view["posts"]] == [post["id"], other["id"]]
    assert [p["accepted"] for p in view["posts"]] == [False, True]
    assert view["post_count"] == 2

    created = await forum.forum_events(1, types=(events.POST_CREATED,), post_id=post["id"])
    post_created = next(e for e in created if e.type == events.POST_CREATED)
    assert post_created.data == events.PostCreated(
        post_id=post["id"],
        thread_id=thread["id"],
        thread_title="Why is my pandas merge slow?",
        body="Set an index on both frames first.",
        tags=["pandas", "performance"],
        space_id=space["id"],
        visibility="org",
        org_id=org,
        cohort_id=None,
        author_id=answerer.id,
        asker_id=asker.id,
    )
    thread_created = await forum.forum_events(1, thread_id=thread["id"], kind="question")
    snap = thread_created[0].data
    assert thread_created[0].type == events.THREAD_CREATED
    assert (snap.visibility, snap.org_id, snap.title, snap.tags) == (
        "org",
        org,
        "Why is my pandas merge slow?",
        ["pandas", "performance"],
    )
    accepted = await forum.forum_events(2, types=(events.ANSWER_ACCEPTED,), thread_id=thread["id"])
    assert [(e.data.post_id, e.data.previous_post_id, e.data.reputation) for e in accepted] == [
        (post["id"], None, 15),
        (other["id"], post["id"], 15),
    ]
    assert accepted[1].data.answer_author_id == admin.id


async def test_votes_replace_refuse_own_and_report_score(forum: Forum, org: str) -> None:
    asker, answerer, admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker)
    post = await forum.post(thread["id"], answerer)
    url = f"/v1/posts/{post['id']}/votes"
    assert (await forum.client.post(url, json={"value": 1}, headers=asker.headers)).json()["score"] == 1
    assert (await forum.client.post(url, json={"value": 1}, headers=admin.headers)).json()["score"] == 2
    # A second vote replaces the first.
    assert (await forum.client.post(url, json={"value": -1}, headers=asker.headers)).json()["score"] == 0
    own = await forum.client.post(url, json={"value": 1}, headers=answerer.headers)
    assert own.status_code == 403
    for bad in ({"value": 5}, {"value": 0}, {"value": "up"}, {}, {"value": 1, "extra": True}):
        response = await forum.client.post(url, json=bad, headers=asker.headers)
        assert response.status_code == 400, bad
    thread_vote = await forum.client.post(
        f"/v1/threads/{thread['id']}/votes", json={"value": 1}, headers=answerer.headers
    )
    assert thread_vote.json()["score"] == 1
    own_thread = await forum.client.post(
        f"/v1/threads/{thread['id']}/votes", json={"value": 1}, headers=asker.headers
    )
    assert own_thread.status_code == 403
    voted = await forum.forum_events(2, types=(events.POST_VOTED,), voter_id=asker.id)
    assert [(e.data.value, e.data.score) for e in voted if e.data.post_id == post["id"]] == [(1, 1), (-1, 0)]
    assert all(e.data.author_id == answerer.id for e in voted)


async def test_edit_and_delete_post_keep_edited_at_and_counts(forum: Forum, org: str) -> None:
    asker, answerer, _admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker)
    post = await forum.post(thread["id"], answerer, "first version")
    assert post["edited_at"] is None
    other = await forum.client.patch(f"/v1/posts/{post['id']}", json={"body": "x"}, headers=asker.headers)
    assert other.status_code == 403
    edited = await forum.client.patch(
        f"/v1/posts/{post['id']}", json={"body": "second version"}, headers=answerer.headers
    )
    assert edited.status_code == 200
    assert edited.json()["body"] == "second version" and edited.json()["edited_at"] is not None
    assert (await forum.client.delete(f"/v1/posts/{post['id']}", headers=asker.headers)).status_code == 403
    assert (await forum.client.delete(f"/v1/posts/{post['id']}", headers=answerer.headers)).status_code == 204
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=asker.headers)).json()
    assert view["posts"] == [] and view["post_count"] == 0
    again = await forum.client.patch(f"/v1/posts/{post['id']}", json={"body": "x"}, headers=answerer.headers)
    assert again.status_code == 404
    kinds = [e.type for e in await forum.forum_events(3, post_id=post["id"])]
    assert kinds == [events.POST_CREATED, events.POST_UPDATED, events.POST_DELETED]


async def test_thread_edit_and_delete(forum: Forum, org: str) -> None:
    asker, answerer, admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker, tags=["a"])
    response = await forum.client.patch(
        f"/v1/threads/{thread['id']}",
        json={"title": "Better title", "tags": ["b", "c"]},
        headers=asker.headers,
    )
    assert response.status_code == 200 and response.json()["tags"] == ["b", "c"]
    assert response.json()["edited_at"] is not None
    listed = await forum.client.get(f"/v1/spaces/{space['id']}/threads?tag=b", headers=asker.headers)
    assert [t["id"] for t in listed.json()["items"]] == [thread["id"]]
    assert (
        await forum.client.delete(f"/v1/threads/{thread['id']}", headers=answerer.headers)
    ).status_code == 403
    assert (
        await forum.client.delete(f"/v1/threads/{thread['id']}", headers=admin.headers)
    ).status_code == 204
    assert (await forum.client.get(f"/v1/threads/{thread['id']}", headers=asker.headers)).status_code == 404
    kinds = [e.type for e in await forum.forum_events(3, thread_id=thread["id"], space_id=space["id"])]
    assert kinds == [events.THREAD_CREATED, events.THREAD_UPDATED, events.THREAD_DELETED]


async def test_accept_rules(forum: Forum, org: str) -> None:
    asker, answerer, admin, space = await _people(forum, org)
    question = await forum.thread(space["id"], asker)
    discussion = await forum.thread(space["id"], asker, kind="discussion", title="Share your setups")
    post = await forum.post(question["id"], answerer)
    elsewhere = await forum.post(discussion["id"], answerer)
    accept = f"/v1/threads/{question['id']}/accept"
    # A post of another thread: 400 and no change.
    response = await forum.client.post(accept, json={"post_id": elsewhere["id"]}, headers=asker.headers)
    assert response.status_code == 400
    # Only the asker or an admin of the space's org.
    response = await forum.client.post(accept, json={"post_id": post["id"]}, headers=answerer.headers)
    assert response.status_code == 403
    on_discussion = await forum.client.post(
        f"/v1/threads/{discussion['id']}/accept", json={"post_id": elsewhere["id"]}, headers=asker.headers
    )
    assert on_discussion.status_code == 409
    view = (await forum.client.get(f"/v1/threads/{question['id']}", headers=asker.headers)).json()
    assert view["accepted_post_id"] is None
    response = await forum.client.post(accept, json={"post_id": post["id"]}, headers=admin.headers)
    assert response.status_code == 200
    # Accepting the same post again changes nothing.
    again = await forum.client.post(accept, json={"post_id": post["id"]}, headers=asker.headers)
    assert again.json()["answer_author_reputation"] == response.json()["answer_author_reputation"]


async def test_listing_sorts_filters_and_stable_cursor(forum: Forum, org: str) -> None:
    asker, answerer, _admin, space = await _people(forum, org)
    ids = []
    for i in range(7):
        kind = "resource" if i % 3 == 0 else "question"
        extra = {"url": f"https://example.org/{i}"} if kind == "resource" else {}
        thread = await forum.thread(
            space["id"], asker, title=f"Thread {i}", kind=kind, tags=["odd" if i % 2 else "even"], **extra
        )
        ids.append(thread["id"])
    url = f"/v1/spaces/{space['id']}/threads"
    new = (await forum.client.get(url + "?sort=new&limit=100", headers=asker.headers)).json()
    assert [t["id"] for t in new["items"]] == ids[::-1]
    odd = (await forum.client.get(url + "?tag=odd", headers=asker.headers)).json()
    assert {t["id"] for t in odd["items"]} == {ids[1], ids[3], ids[5]}
    resources = (await forum.client.get(url + "?kind=resource", headers=asker.headers)).json()
    assert {t["id"] for t in resources["items"]} == {ids[0], ids[3], ids[6]}
    await forum.client.post(f"/v1/threads/{ids[2]}/votes", json={"value": 1}, headers=answerer.headers)
    top = (await forum.client.get(url + "?sort=top", headers=asker.headers)).json()
    assert top["items"][0]["id"] == ids[2]

    # Page through "active" while answers arrive on threads of later pages: every thread
    # shows up exactly once, in the order of the first page's moment.
    first = (await forum.client.get(url + "?sort=active&limit=3", headers=asker.headers)).json()
    seen = [t["id"] for t in first["items"]]
    assert seen == ids[::-1][:3]
    await forum.post(ids[0], answerer, "a late answer")
    await forum.post(ids[1], answerer, "another late answer")
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await forum.client.get(url + f"?sort=active&limit=3&cursor={cursor}", headers=asker.headers)
        ).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]
    fresh = (await forum.client.get(url + "?sort=active&limit=2", headers=asker.headers)).json()
    assert [t["id"] for t in fresh["items"]] == [ids[1], ids[0]]
    bad = await forum.client.get(url + "?cursor=nonsense!", headers=asker.headers)
    assert bad.status_code == 400
    wrong_sort = await forum.client.get(
        url + f"?sort=new&cursor={first['next_cursor']}", headers=asker.headers
    )
    assert wrong_sort.status_code == 400


async def test_markdown_is_stored_as_written_and_rendered_escaped(forum: Forum, org: str) -> None:
    asker, answerer, _admin, space = await _people(forum, org)
    nasty = "Look: <script>alert('x')</script>\n\n<img src=x onerror=alert(1)> **bold**"
    thread = await forum.thread(space["id"], asker, title="<b>title</b>", body=nasty)
    post = await forum.post(thread["id"], answerer, nasty)
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=asker.headers)).json()
    for item in (view, view["posts"][0]):
        assert item["body"] == nasty
        assert "<script" not in item["body_html"] and "<img" not in item["body_html"]
        assert "&lt;script&gt;" in item["body_html"]
    assert post["body_html"].startswith("<p>")


async def test_concurrent_votes_count_exactly(forum: Forum, org: str) -> None:
    author = await forum.person(org)
    voters = [await forum.person(org) for _ in range(50)]
    await forum.settle()
    admin = await forum.person(org, "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], author)
    post = await forum.post(thread["id"], author)

    async def vote(person: Person, value: int) -> int:
        response = await forum.client.post(
            f"/v1/posts/{post['id']}/votes", json={"value": value}, headers=person.headers
        )
        assert response.status_code == 200, response.text
        return int(response.json()["score"])

    values = [1 if i % 5 else -1 for i in range(50)]  # 40 up, 10 down
    await asyncio.gather(*(vote(p, v) for p, v in zip(voters, values, strict=True)))
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=author.headers)).json()
    assert view["posts"][0]["score"] == 30
    # Everyone changes their mind at once: each vote replaces the first.
    await asyncio.gather(*(vote(p, -v) for p, v in zip(voters, values, strict=True)))
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=author.headers)).json()
    assert view["posts"][0]["score"] == -30


async def test_platform_admin_reads_all_but_does_not_post(forum: Forum, org: str) -> None:
    asker, _answerer, _admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker)
    assert (await forum.client.get(f"/v1/threads/{thread['id']}", headers=ADMIN)).status_code == 200
    response = await forum.client.post(
        f"/v1/threads/{thread['id']}/posts", json={"body": "hi"}, headers=ADMIN
    )
    assert response.status_code == 403


async def test_posts_and_spaces_page_without_gaps(forum: Forum, org: str) -> None:
    asker, answerer, _admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker)
    made = [(await forum.post(thread["id"], answerer, f"answer {i}"))["id"] for i in range(7)]
    seen: list[str] = []
    cursor = ""
    while True:
        page = (
            await forum.client.get(f"/v1/threads/{thread['id']}?limit=3{cursor}", headers=asker.headers)
        ).json()
        seen += [p["id"] for p in page["posts"]]
        if not page["posts_next_cursor"]:
            break
        cursor = f"&cursor={page['posts_next_cursor']}"
    assert seen == made
    spaces = []
    cursor = ""
    while True:
        page = (await forum.client.get(f"/v1/spaces?limit=2{cursor}", headers=ADMIN)).json()
        spaces += [s["id"] for s in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert len(spaces) == len(set(spaces)) and space["id"] in spaces


async def test_deleting_the_accepted_answer_takes_its_reputation_back(forum: Forum, org: str) -> None:
    asker, answerer, _admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker)
    post = await forum.post(thread["id"], answerer)
    await forum.client.post(
        f"/v1/threads/{thread['id']}/accept", json={"post_id": post["id"]}, headers=asker.headers
    )
    assert (await forum.client.get(f"/v1/people/{answerer.id}", headers=asker.headers)).json()[
        "reputation"
    ] == 15
    await forum.client.delete(f"/v1/posts/{post['id']}", headers=answerer.headers)
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=asker.headers)).json()
    assert view["accepted_post_id"] is None
    assert (await forum.client.get(f"/v1/people/{answerer.id}", headers=asker.headers)).json()[
        "reputation"
    ] == 0


async def test_thread_votes_are_published_without_a_post(forum: Forum, org: str) -> None:
    asker, answerer, _admin, space = await _people(forum, org)
    thread = await forum.thread(space["id"], asker)
    await forum.client.post(f"/v1/threads/{thread['id']}/votes", json={"value": -1}, headers=answerer.headers)
    voted = await forum.forum_events(1, types=(events.POST_VOTED,), thread_id=thread["id"])
    assert voted[0].data == events.PostVoted(
        thread_id=thread["id"], post_id=None, voter_id=answerer.id, author_id=asker.id, value=-1, score=-1
    )


def _is_utc_rfc3339(value: str) -> bool:
    moment = datetime.fromisoformat(value)
    return value.endswith(("Z", "+00:00")) and moment.utcoffset() == timedelta(0)


async def test_every_answer_gives_its_times_in_utc_with_the_offset(forum: Forum, org: str) -> None:
    # SQLite keeps no offset: without UTCDateTime on the forum's columns these times would read
    # back naive and go out without one, which RFC 3339 (and the OpenAPI date-time) refuses.
    asker, answerer, admin, space = await _people(forum, org)
    flaggers = [await forum.person(org) for _ in range(3)]
    await forum.settle()
    thread = await forum.thread(space["id"], asker, title="When was this asked?")
    post = await forum.post(thread["id"], answerer, "A while ago.")
    edited = await forum.client.patch(
        f"/v1/posts/{post['id']}", json={"body": "A while ago, UTC."}, headers=answerer.headers
    )
    for flagger in flaggers:
        flagged = await forum.client.post(
            f"/v1/posts/{post['id']}/flags", json={"reason": "off topic"}, headers=flagger.headers
        )
        assert flagged.status_code == 201, flagged.text
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    listing = (await forum.client.get(f"/v1/spaces/{space['id']}/threads", headers=asker.headers)).json()
    spaces = (await forum.client.get("/v1/spaces", headers=asker.headers)).json()["items"]
    queue = (await forum.client.get("/v1/moderation/queue", headers=admin.headers)).json()["items"]
    item = next(i for i in queue if i["post"]["id"] == post["id"])
    summary = next(t for t in listing["items"] if t["id"] == thread["id"])

    times = [
        space["created_at"],
        next(s for s in spaces if s["id"] == space["id"])["created_at"],
        thread["created_at"],
        thread["last_activity_at"],
        post["created_at"],
        edited.json()["created_at"],
        edited.json()["edited_at"],
        view["created_at"],
        view["last_activity_at"],
        view["posts"][0]["created_at"],
        view["posts"][0]["edited_at"],
        summary["created_at"],
        summary["last_activity_at"],
        item["post"]["edited_at"],
        *(f["created_at"] for f in item["flags"]),
    ]
    assert len(times) == 17
    assert [t for t in times if not _is_utc_rfc3339(t)] == []
    # The same moment on every path: read back from the store, not the clock of the answer.
    assert view["posts"][0]["edited_at"] == edited.json()["edited_at"] == item["post"]["edited_at"]


async def test_openapi_lists_the_forum_paths(forum: Forum) -> None:
    paths = (await forum.client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/v1/spaces",
        "/v1/spaces/{space_id}/threads",
        "/v1/threads/{thread_id}",
        "/v1/threads/{thread_id}/posts",
        "/v1/posts/{post_id}/votes",
        "/v1/threads/{thread_id}/accept",
        "/v1/posts/{post_id}/flags",
        "/v1/search",
    ):
        assert path in paths
