"""Who may see what (DESIGN §6), generated: caller kinds x spaces x endpoints, on both engines.

Spaces: an org space of org A, a cohort space of cohort K (orgs A and B), a public space.
Each holds a thread and an answer carrying a search word unique to the space. A caller who
may not see a space gets 404 (never 403) from every endpoint, finds nothing of it in
listings or search, and it counts in none of their totals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from .conftest import ADMIN, Forum, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLERS = [
    "same_org",
    "other_org",
    "cohort_member",
    "ex_cohort_member",
    "cohort_org_admin",
    "anonymous",
    "platform_admin",
]
SPACES = ["org", "cohort", "public"]
SEES: dict[str, set[str]] = {
    "org": {"same_org", "platform_admin"},
    "cohort": {"cohort_member", "cohort_org_admin", "platform_admin"},
    "public": set(CALLERS),
}
WORD = {"org": "quokkaorg", "cohort": "quokkacohort", "public": "quokkapublic"}


@dataclass
class World:
    forum: Forum
    headers: dict[str, dict[str, str]]
    spaces: dict[str, dict[str, Any]]
    threads: dict[str, dict[str, Any]]
    posts: dict[str, dict[str, Any]]
    # One post per (space, caller) to flag, so that flags never hide a post another check reads.
    flag_targets: dict[tuple[str, str], str]
    # Real people to suggest as answerers: a_author (org A, also a member of cohort K) and
    # k_author (org B, member of K).
    people: dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(forum: Forum) -> World:
    f = forum
    a_admin = await f.person("org-a", "org_admin")
    a_author = await f.person("org-a")
    same_org = await f.person("org-a")
    other_org = await f.person("org-c")
    member = await f.person("org-b")
    k_author = await f.person("org-b")
    ex_member = await f.person("org-b")
    b_admin = await f.person("org-b", "org_admin")
    cohort = await f.cohort("org-a", "org-b")
    a_flagger = await f.person("org-a")
    for person in (member, k_author, ex_member, a_author):
        await f.join(cohort, person)
    await f.settle()
    await f.leave(cohort, ex_member)
    await f.settle()
    spaces = await f.spaces_of_every_kind(a_admin, cohort)
    authors: dict[str, Person] = {"org": a_author, "cohort": k_author, "public": a_author}
    threads = {
        key: await f.thread(
            space["id"], authors[key], title=f"Question about {WORD[key]} and quokka", tags=["quokka"]
        )
        for key, space in spaces.items()
    }
    posts = {
        key: await f.post(threads[key]["id"], authors[key], f"An answer on {WORD[key]} quokka")
        for key in spaces
    }
    flag_targets = {
        (key, caller): (await f.post(threads[key]["id"], authors[key], "flag me"))["id"]
        for key in spaces
        for caller in CALLERS
    }
    # A post in each thread hidden by three flags: no count may include it.
    flaggers = {
        "org": (a_admin, same_org, a_flagger),
        "cohort": (member, b_admin, a_admin),
        "public": (same_org, other_org, member),
    }
    for key in spaces:
        hidden = await f.post(threads[key]["id"], authors[key], "to be hidden")
        for person in flaggers[key]:
            response = await f.client.post(
                f"/v1/posts/{hidden['id']}/flags", json={"reason": "hide"}, headers=person.headers
            )
            assert response.status_code == 201, response.text
        assert response.json()["hidden"] is True
    headers = {
        "same_org": same_org.headers,
        "other_org": other_org.headers,
        "cohort_member": member.headers,
        "ex_cohort_member": ex_member.headers,
        "cohort_org_admin": b_admin.headers,
        "anonymous": {},
        "platform_admin": ADMIN,
    }
    return World(
        forum=f,
        headers=headers,
        spaces=spaces,
        threads=threads,
        posts=posts,
        flag_targets=flag_targets,
        people={"a_author": a_author.id, "k_author": k_author.id},
    )


Check = Callable[[World, dict[str, str], str], Awaitable[bool]]


async def _status(world: World, method: str, url: str, headers: dict[str, str], **kw: Any) -> int:
    response = await world.forum.client.request(method, url, headers=headers, **kw)
    assert response.status_code < 500, response.text
    return response.status_code


async def listed_in_spaces(world: World, headers: dict[str, str], key: str) -> bool:
    items = (await world.forum.client.get("/v1/spaces", headers=headers)).json()["items"]
    return world.spaces[key]["id"] in {s["id"] for s in items}


async def space_by_id(world: World, headers: dict[str, str], key: str) -> bool:
    status = await _status(world, "GET", f"/v1/spaces/{world.spaces[key]['id']}", headers)
    assert status in (200, 404)
    return status == 200


async def _shown_with(world: World, url: str, headers: dict[str, str], items: str, wanted_id: str) -> bool:
    """Whether ``url`` answers (200; invisible is 404, never 403), then lists ``wanted_id`` in ``items``."""
    response = await world.forum.client.get(url, headers=headers)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert wanted_id in {item["id"] for item in response.json()[items]}
    return response.status_code == 200


async def space_threads(world: World, headers: dict[str, str], key: str) -> bool:
    url = f"/v1/spaces/{world.spaces[key]['id']}/threads"
    return await _shown_with(world, url, headers, "items", world.threads[key]["id"])


async def thread_with_posts(world: World, headers: dict[str, str], key: str) -> bool:
    url = f"/v1/threads/{world.threads[key]['id']}"
    return await _shown_with(world, url, headers, "posts", world.posts[key]["id"])


async def search_finds(world: World, headers: dict[str, str], key: str) -> bool:
    response = await world.forum.client.get(f"/v1/search?q={WORD[key]}", headers=headers)
    assert response.status_code == 200
    found = {(h["thread_id"], h["post_id"]) for h in response.json()["items"]}
    thread_id = world.threads[key]["id"]
    expected = {(thread_id, None), (thread_id, world.posts[key]["id"])}
    assert found in (set(), expected)
    return found == expected


async def by_tag(world: World, headers: dict[str, str], key: str) -> bool:
    url = f"/v1/spaces/{world.spaces[key]['id']}/threads?tag=quokka"
    status = await _status(world, "GET", url, headers)
    return status == 200


READS: dict[str, Check] = {
    "spaces_list": listed_in_spaces,
    "space_get": space_by_id,
    "threads_list": space_threads,
    "threads_by_tag": by_tag,
    "thread_get": thread_with_posts,
    "search": search_finds,
}


@pytest.mark.parametrize("endpoint", list(READS))
@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("caller", CALLERS)
async def test_reads(world: World, caller: str, space: str, endpoint: str) -> None:
    seen = await READS[endpoint](world, world.headers[caller], space)
    assert seen == (caller in SEES[space])


def _post_answer(world: World, key: str, _caller: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/v1/threads/{world.threads[key]['id']}/posts", {"body": "a reply from the matrix"}


def _vote_post(world: World, key: str, _caller: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/v1/posts/{world.posts[key]['id']}/votes", {"value": 1}


def _vote_thread(world: World, key: str, _caller: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/v1/threads/{world.threads[key]['id']}/votes", {"value": -1}


def _ask(world: World, key: str, _caller: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/v1/spaces/{world.spaces[key]['id']}/threads", {"title": "A matrix question"}


def _flag(world: World, key: str, caller: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/v1/posts/{world.flag_targets[key, caller]}/flags", {"reason": "matrix check"}


WRITES = {
    "ask": (_ask, 201),
    "answer": (_post_answer, 201),
    "vote_post": (_vote_post, 200),
    "vote_thread": (_vote_thread, 200),
    "flag": (_flag, 201),
}


@pytest.mark.parametrize("endpoint", list(WRITES))
@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("caller", CALLERS)
async def test_writes(world: World, caller: str, space: str, endpoint: str) -> None:
    build, ok = WRITES[endpoint]
    method, url, body = build(world, space, caller)
    status = await _status(world, method, url, world.headers[caller], json=body)
    if caller == "anonymous":
        expected = 401
    elif caller not in SEES[space]:
        expected = 404  # never 403: the caller must not learn that it exists
    elif caller == "platform_admin":
        expected = 403  # the admin credential is not a person; it cannot speak in threads
    else:
        expected = ok
    assert status == expected


@pytest.mark.parametrize("caller", CALLERS)
async def test_counts_only_count_what_the_caller_sees(world: World, caller: str) -> None:
    headers = world.headers[caller]
    visible = [key for key in SPACES if caller in SEES[key]]
    spaces = (await world.forum.client.get("/v1/spaces", headers=headers)).json()["items"]
    assert sorted(s["id"] for s in spaces) == sorted(world.spaces[k]["id"] for k in visible)
    # "quokka" is in every seeded thread and answer: hits are exactly two per visible space.
    hits = (await world.forum.client.get("/v1/search?q=quokka&limit=100", headers=headers)).json()["items"]
    assert {h["space_id"] for h in hits} == {world.spaces[k]["id"] for k in visible}
    assert len([h for h in hits if h["thread_id"] in {world.threads[k]["id"] for k in visible}]) == len(hits)
    # The counts: a space's thread_count is the threads it lists; a thread's post_count is its
    # visible posts (never the hidden one, which moderators also see in the list).
    by_id = {s["id"]: s for s in spaces}
    for key in visible:
        space = by_id[world.spaces[key]["id"]]
        moderates = caller == "platform_admin" or (caller == "cohort_org_admin" and key == "cohort")
        listed = await world.forum.client.get(f"/v1/spaces/{space['id']}/threads?limit=100", headers=headers)
        items = listed.json()["items"]
        assert space["thread_count"] == len(items) >= 1
        for item in items:
            view = await world.forum.client.get(f"/v1/threads/{item['id']}?limit=100", headers=headers)
            shown = [p for p in view.json()["posts"] if p["status"] == "visible"]
            assert item["post_count"] == view.json()["post_count"] == len(shown)
            statuses = {p["status"] for p in view.json()["posts"]}
            if item["id"] == world.threads[key]["id"]:
                assert ("hidden" in statuses) == moderates, statuses


ANSWERERS_SEEN_BY: dict[str, set[str]] = {
    "same_org": {"a_author"},  # org A
    "other_org": set(),
    "cohort_member": {"a_author", "k_author"},  # shares cohort K with both
    "ex_cohort_member": {"k_author"},  # org B; no longer shares K with a_author
    # org B; administers K (not a member): admins of a cohort's member orgs see its members'
    # cards in every service (DESIGN §6), so a_author, a member of K, too
    "cohort_org_admin": {"a_author", "k_author"},
    "anonymous": set(),
    "platform_admin": {"a_author", "k_author"},
}


async def test_suggestions_show_only_visible_related_threads_and_people(world: World) -> None:
    from peerlearn import events

    f = world.forum
    target = world.threads["public"]["id"]
    await f.publish(
        events.AnswerersSuggested(
            thread_id=target,
            answerers=[
                events.SuggestedAnswerer(
                    person_id=p, display_name="x", score=0.9, reasons=[events.Reason(text="knows quokkas")]
                )
                for p in ("p-nobody", world.people["a_author"], world.people["k_author"])
            ],
            related=[
                events.RelatedThread(thread_id=world.threads[k]["id"], title="from the matcher", score=0.5)
                for k in SPACES
            ],
        )
    )
    await f.settle()
    for caller in CALLERS:
        view = (await f.client.get(f"/v1/threads/{target}", headers=world.headers[caller])).json()
        related = {r["thread_id"] for r in view["related"]}
        expected = {world.threads[k]["id"] for k in SPACES if caller in SEES[k] and k != "public"}
        assert related == expected, caller
        # A person the forum does not know (p-nobody), or the caller may not see, is never shown:
        # visible are people of the caller's org and of the cohorts the caller sees.
        shown = {a["person_id"] for a in view["suggested_answerers"]}
        assert shown == {world.people[k] for k in ANSWERERS_SEEN_BY[caller]}, caller
