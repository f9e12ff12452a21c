"""Who moderates what, generated: caller kinds x spaces over the review queue and restore/remove.

A hidden post is seen only by the moderators of its space and the admins of its author's org:
everyone else gets 404 for it (anonymous callers 401), and it is in no one else's review queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from .conftest import ADMIN, Forum

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLERS = ["org_admin", "learner", "cohort_org_admin", "other_org_admin", "anonymous", "platform_admin"]
SPACES = ["org", "cohort", "public"]
# Who reviews a hidden post: the moderators of its space, and the admins of the author's org
# (org-ma) where they see it: in a public space too (issue 9 §3).
MODERATES: dict[str, set[str]] = {
    "org": {"org_admin", "platform_admin"},
    "cohort": {"org_admin", "cohort_org_admin", "platform_admin"},
    "public": {"org_admin", "platform_admin"},
}
ACTIONS = ["restore", "remove"]


@dataclass
class Board:
    forum: Forum
    headers: dict[str, dict[str, str]]
    hidden: dict[tuple[str, str, str], str]  # (space, caller, action) -> a hidden post


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def board(forum: Forum) -> Board:
    f = forum
    a_admin = await f.person("org-ma", "org_admin")
    learner = await f.person("org-ma")
    b_admin = await f.person("org-mb", "org_admin")
    c_admin = await f.person("org-mc", "org_admin")
    author = await f.person("org-ma")
    flaggers = [await f.person("org-ma") for _ in range(3)]
    cohort = await f.cohort("org-ma", "org-mb")
    for person in (author, *flaggers):
        await f.join(cohort, person)
    await f.settle()
    spaces = await f.spaces_of_every_kind(a_admin, cohort)
    hidden = {}
    for key, space in spaces.items():
        thread = await f.thread(space["id"], author)
        for caller in CALLERS:
            for action in ACTIONS:
                post = await f.post(thread["id"], author, f"flag me ({caller}, {action})")
                for flagger in flaggers:
                    response = await f.client.post(
                        f"/v1/posts/{post['id']}/flags", json={"reason": "spam"}, headers=flagger.headers
                    )
                    assert response.status_code == 201
                assert response.json()["hidden"] is True
                hidden[key, caller, action] = post["id"]
    headers = {
        "org_admin": a_admin.headers,
        "learner": learner.headers,
        "cohort_org_admin": b_admin.headers,
        "other_org_admin": c_admin.headers,
        "anonymous": {},
        "platform_admin": ADMIN,
    }
    return Board(forum=f, headers=headers, hidden=hidden)


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("caller", CALLERS)
async def test_review_queue(board: Board, caller: str, space: str) -> None:
    response = await board.forum.client.get("/v1/moderation/queue?limit=100", headers=board.headers[caller])
    if caller == "anonymous":
        assert response.status_code == 401
        return
    if caller == "learner":
        assert response.status_code == 403
        return
    queued = {item["post"]["id"] for item in response.json()["items"]}
    mine = {board.hidden[space, c, a] for c in CALLERS for a in ACTIONS}
    if caller in MODERATES[space]:
        assert mine <= queued  # (the queue tests run before any post is restored or removed)
    else:
        assert not mine & queued


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("caller", CALLERS)
async def test_restore_and_remove(board: Board, caller: str, space: str, action: str) -> None:
    post_id = board.hidden[space, caller, action]
    method, url = (
        ("POST", f"/v1/moderation/posts/{post_id}/restore")
        if action == "restore"
        else ("DELETE", f"/v1/moderation/posts/{post_id}")
    )
    response = await board.forum.client.request(method, url, headers=board.headers[caller])
    expected: dict[str, Any] = {"restore": 200, "remove": 204}
    if caller == "anonymous":
        assert response.status_code == 401
    elif caller in MODERATES[space]:
        assert response.status_code == expected[action]
    else:
        assert response.status_code == 404  # a hidden post does not exist for them
