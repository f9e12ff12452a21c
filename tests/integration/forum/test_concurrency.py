"""Concurrent writes on one post or thread: flags, restores, deletions and acceptances decide on
the row's state under its lock, so counts and reputation stay exact (run on both engines; the
races are real on PostgreSQL, where requests run in parallel transactions)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .conftest import Forum, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _setup(
    forum: Forum, org: str, flaggers: int = 0
) -> tuple[Person, Person, list[Person], dict[str, Any]]:
    admin = await forum.person(org, "org_admin")
    author = await forum.person(org)
    people = [await forum.person(org) for _ in range(flaggers)]
    await forum.settle()
    space = await forum.space("org", admin.headers)
    return admin, author, people, space


async def _post_count(forum: Forum, thread_id: str, who: Person) -> int:
    view = (await forum.client.get(f"/v1/threads/{thread_id}", headers=who.headers)).json()
    return int(view["post_count"])


async def test_concurrent_flags_hide_a_post_once(forum: Forum) -> None:
    admin, author, flaggers, space = await _setup(forum, "org-cc-flags", flaggers=6)
    for round_ in range(3):
        thread = await forum.thread(space["id"], author)
        post = await forum.post(thread["id"], author, f"flag me {round_}")
        answers = await asyncio.gather(
            *(
                forum.client.post(f"/v1/posts/{post['id']}/flags", json={"reason": "x"}, headers=p.headers)
                for p in flaggers
            )
        )
        statuses = [r.status_code for r in answers]
        assert set(statuses) <= {201, 404} and statuses.count(201) >= 3, statuses
        assert await _post_count(forum, thread["id"], author) == 0
        queue = (await forum.client.get("/v1/moderation/queue", headers=admin.headers)).json()["items"]
        assert [i["post"]["id"] for i in queue].count(post["id"]) == 1
        # Three moderators' restores at once: one restores, the others find nothing to restore.
        restores = await asyncio.gather(
            *(
                forum.client.post(f"/v1/moderation/posts/{post['id']}/restore", headers=admin.headers)
                for _ in range(3)
            )
        )
        assert sorted(r.status_code for r in restores) == [200, 409, 409]
        assert await _post_count(forum, thread["id"], author) == 1


async def test_an_author_deleting_while_the_post_is_hidden_counts_once(forum: Forum) -> None:
    _admin, author, flaggers, space = await _setup(forum, "org-cc-withdraw", flaggers=3)
    for round_ in range(4):
        thread = await forum.thread(space["id"], author)
        post = await forum.post(thread["id"], author, f"about to go {round_}")
        for p in flaggers[:2]:
            await forum.client.post(f"/v1/posts/{post['id']}/flags", json={"reason": "x"}, headers=p.headers)
        flag, delete = await asyncio.gather(
            forum.client.post(
                f"/v1/posts/{post['id']}/flags", json={"reason": "x"}, headers=flaggers[2].headers
            ),
            forum.client.delete(f"/v1/posts/{post['id']}", headers=author.headers),
        )
        assert flag.status_code in (201, 404) and delete.status_code in (204, 404)
        assert await _post_count(forum, thread["id"], author) == 0


async def test_concurrent_accepts_give_reputation_once(forum: Forum) -> None:
    _admin, asker, helpers, space = await _setup(forum, "org-cc-accept", flaggers=2)
    thread = await forum.thread(space["id"], asker)
    a = await forum.post(thread["id"], helpers[0], "answer A")
    b = await forum.post(thread["id"], helpers[1], "answer B")
    for _ in range(3):
        answers = await asyncio.gather(
            *(
                forum.client.post(
                    f"/v1/threads/{thread['id']}/accept", json={"post_id": p["id"]}, headers=asker.headers
                )
                for p in (a, b, a, b)
            )
        )
        assert {r.status_code for r in answers} == {200}
        view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=asker.headers)).json()
        accepted = view["accepted_post_id"]
        reputations = {
            h.id: (await forum.client.get(f"/v1/people/{h.id}", headers=asker.headers)).json()["reputation"]
            for h in helpers
        }
        winner = helpers[0] if accepted == a["id"] else helpers[1]
        assert reputations == {h.id: 15 if h is winner else 0 for h in helpers}, reputations
