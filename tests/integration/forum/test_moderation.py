"""Flags hide a post at the threshold; moderators review it: restore or remove."""

from __future__ import annotations

from typing import Any

import pytest

from peerlearn import events

from .conftest import ADMIN, Forum

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_flags_hide_then_moderator_restores_or_removes(forum: Forum) -> None:
    org = "org-mod"
    admin = await forum.person(org, "org_admin")
    author = await forum.person(org)
    flaggers = [await forum.person(org) for _ in range(3)]
    outsider_admin = await forum.person("org-elsewhere", "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], author, title="Spam magnet")
    bad = await forum.post(thread["id"], author, "buy cheap watches spamword")
    fine = await forum.post(thread["id"], author, "a useful answer spamword")

    own = await forum.client.post(
        f"/v1/posts/{bad['id']}/flags", json={"reason": "x"}, headers=author.headers
    )
    assert own.status_code == 403
    empty = await forum.client.post(
        f"/v1/posts/{bad['id']}/flags", json={"reason": ""}, headers=admin.headers
    )
    assert empty.status_code == 400

    for target in (bad, fine):
        for i, person in enumerate(flaggers):
            response = await forum.client.post(
                f"/v1/posts/{target['id']}/flags", json={"reason": f"spam {i}"}, headers=person.headers
            )
            assert response.status_code == 201
            assert response.json()["hidden"] == (i == 2)
            if i == 0:
                # Flagging twice counts once: still one flag, so the next person's is the second
                # (if the repeat counted, that one would already reach the threshold and hide it).
                again = await forum.client.post(
                    f"/v1/posts/{target['id']}/flags", json={"reason": "again"}, headers=person.headers
                )
                assert again.status_code == 201
                assert again.json() == {"post_id": target["id"], "flagged": True, "hidden": False}

    # Hidden: gone for readers, in counts and search; still there for the moderator.
    reader_view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=flaggers[0].headers)).json()
    assert reader_view["posts"] == [] and reader_view["post_count"] == 0
    hits = (await forum.client.get("/v1/search?q=spamword", headers=flaggers[0].headers)).json()["items"]
    assert hits == []
    vote = await forum.client.post(f"/v1/posts/{bad['id']}/votes", json={"value": 1}, headers=admin.headers)
    assert vote.status_code == 200  # the moderator still sees it
    mod_view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert {p["id"]: p["status"] for p in mod_view["posts"]} == {bad["id"]: "hidden", fine["id"]: "hidden"}

    queue = (await forum.client.get("/v1/moderation/queue", headers=admin.headers)).json()["items"]
    assert {item["post"]["id"] for item in queue} == {bad["id"], fine["id"]}
    assert sorted(f["reason"] for f in queue[0]["flags"]) == ["spam 0", "spam 1", "spam 2"]
    # Another org's admin and a learner see no queue items of this org.
    other = (await forum.client.get("/v1/moderation/queue", headers=outsider_admin.headers)).json()["items"]
    assert other == []
    learner = await forum.client.get("/v1/moderation/queue", headers=author.headers)
    assert learner.status_code == 403
    sneaky = await forum.client.post(
        f"/v1/moderation/posts/{bad['id']}/restore", headers=outsider_admin.headers
    )
    assert sneaky.status_code == 404

    restored = await forum.client.post(f"/v1/moderation/posts/{fine['id']}/restore", headers=admin.headers)
    assert restored.status_code == 200 and restored.json()["status"] == "visible"
    removed = await forum.client.delete(f"/v1/moderation/posts/{bad['id']}", headers=admin.headers)
    assert removed.status_code == 204

    reader_view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=flaggers[0].headers)).json()
    assert [p["id"] for p in reader_view["posts"]] == [fine["id"]] and reader_view["post_count"] == 1
    hits = (await forum.client.get("/v1/search?q=spamword", headers=flaggers[0].headers)).json()["items"]
    assert [h["post_id"] for h in hits] == [fine["id"]]
    assert (await forum.client.get("/v1/moderation/queue", headers=admin.headers)).json()["items"] == []
    deleted = await forum.forum_events(1, types=(events.POST_DELETED,), post_id=bad["id"])
    assert deleted[0].data == events.PostDeleted(post_id=bad["id"], thread_id=thread["id"])


async def test_platform_admin_moderates_public_spaces(forum: Forum) -> None:
    author = await forum.person("org-pub")
    flaggers = [await forum.person(f"org-pub-{i}") for i in range(3)]
    org_admin = await forum.person("org-pub", "org_admin")
    flagger_admin = await forum.person("org-pub-0", "org_admin")
    await forum.settle()
    space = await forum.space("public", ADMIN)
    thread = await forum.thread(space["id"], author)
    post = await forum.post(thread["id"], author, "offensive words")
    for person in flaggers:
        await forum.client.post(
            f"/v1/posts/{post['id']}/flags", json={"reason": "rude"}, headers=person.headers
        )
    queue = (await forum.client.get("/v1/moderation/queue", headers=ADMIN)).json()["items"]
    assert post["id"] in {item["post"]["id"] for item in queue}
    # Flags from three orgs hide it; the author's org admin reviews it too (issue 9 §3), the
    # admin of a flagger's org does not.
    org_queue = (await forum.client.get("/v1/moderation/queue", headers=org_admin.headers)).json()["items"]
    assert post["id"] in {item["post"]["id"] for item in org_queue}
    other = (await forum.client.get("/v1/moderation/queue", headers=flagger_admin.headers)).json()["items"]
    assert post["id"] not in {item["post"]["id"] for item in other}
    assert (await forum.client.delete(f"/v1/moderation/posts/{post['id']}", headers=ADMIN)).status_code == 204


async def test_one_orgs_flags_count_once_outside_it_and_the_authors_admins_review(forum: Forum) -> None:
    """Issue 9 §3: three accounts one org admin makes could hide any public post, and only the
    platform admin could restore it. Now the flaggers of one org count once toward hiding a post
    of another org's author, and the admins of the author's org review it."""
    author = await forum.person("org-fx")
    author_admin = await forum.person("org-fx", "org_admin")
    colleague = await forum.person("org-fx")
    sock_admin = await forum.person("org-fy", "org_admin")
    socks = [await forum.person("org-fy") for _ in range(3)]
    bystander = await forum.person("org-fz")
    await forum.settle()
    space = await forum.space("public", ADMIN)
    thread = await forum.thread(space["id"], author, title="A fine public question")
    post = await forum.post(thread["id"], author, "A fine public answer")

    async def flag(person: Any) -> bool:
        response = await forum.client.post(
            f"/v1/posts/{post['id']}/flags", json={"reason": "I do not like it"}, headers=person.headers
        )
        assert response.status_code == 201, response.text
        return bool(response.json()["hidden"])

    # Four flags from org-fy (its admin and three accounts) weigh one: the post stays.
    assert [await flag(p) for p in (sock_admin, *socks)] == [False] * 4
    assert await flag(bystander) is False  # org-fz: two orgs, weight 2
    assert await flag(colleague) is True  # one of the author's org: weight 3, hidden
    assert (await forum.client.get(f"/v1/threads/{thread['id']}")).json()["post_count"] == 0

    # The author's org admin reviews it (in their queue, may restore); the flagging org's may not.
    queue = (await forum.client.get("/v1/moderation/queue", headers=author_admin.headers)).json()
    assert [item["post"]["id"] for item in queue["items"]] == [post["id"]]
    assert len(queue["items"][0]["flags"]) == 6
    other = (await forum.client.get("/v1/moderation/queue", headers=sock_admin.headers)).json()
    assert post["id"] not in {item["post"]["id"] for item in other["items"]}
    refused = await forum.client.post(
        f"/v1/moderation/posts/{post['id']}/restore", headers=sock_admin.headers
    )
    assert refused.status_code == 404
    restored = await forum.client.post(
        f"/v1/moderation/posts/{post['id']}/restore", headers=author_admin.headers
    )
    assert restored.status_code == 200 and restored.json()["status"] == "visible"
    # Visible again, their review right ends: removing a visible public post is the moderators'.
    removal = await forum.client.delete(f"/v1/moderation/posts/{post['id']}", headers=author_admin.headers)
    assert removal.status_code == 403
