"""Bad input: each a clear 4xx naming the problem, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from .conftest import ADMIN, Forum, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(forum: Forum) -> tuple[Person, dict[str, Any], dict[str, Any], dict[str, Any]]:
    admin = await forum.person("org-in", "org_admin")
    await forum.settle()
    space = await forum.space("org", admin.headers)
    thread = await forum.thread(space["id"], admin, title="Seed question")
    post = await forum.post(thread["id"], admin, "Seed answer")
    return admin, space, thread, post


BAD_THREADS: dict[str, dict[str, Any]] = {
    "empty title": {"title": ""},
    "blank title": {"title": "   "},
    "200 KB title": {"title": "x" * 200_000},
    "body over the limit": {"title": "ok", "body": "y" * 50_001},
    "11 tags": {"title": "ok", "tags": [f"t{i}" for i in range(11)]},
    "tag with a space": {"title": "ok", "tags": ["machine learning"]},
    "tag with markup": {"title": "ok", "tags": ["<b>"]},
    "unknown kind": {"title": "ok", "kind": "poll"},
    "unknown field": {"title": "ok", "author_id": "someone-else"},
    "resource without url": {"title": "ok", "kind": "resource"},
    "javascript url": {"title": "ok", "kind": "resource", "url": "javascript:alert(1)"},
    "title not a string": {"title": 42},
    # PostgreSQL refuses NUL in text (was a 500); no control characters belong in forum text.
    "NUL in the title": {"title": "a\u0000b"},
    "NUL in the body": {"title": "ok", "body": "a\u0000b"},
    "escape character in the title": {"title": "a\u001bb"},
    "newline in the title": {"title": "one\ntwo"},
    "NUL in the url": {"title": "ok", "kind": "resource", "url": "https://a.example/\u0000"},
}


@pytest.mark.parametrize("case", list(BAD_THREADS))
async def test_bad_thread_is_refused_and_creates_nothing(forum: Forum, setup: Any, case: str) -> None:
    admin, space, _thread, _post = setup
    before = (await forum.client.get(f"/v1/spaces/{space['id']}", headers=admin.headers)).json()
    response = await forum.client.post(
        f"/v1/spaces/{space['id']}/threads", json=BAD_THREADS[case], headers=admin.headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"]
    after = (await forum.client.get(f"/v1/spaces/{space['id']}", headers=admin.headers)).json()
    assert after["thread_count"] == before["thread_count"]


BAD_POSTS: dict[str, Any] = {
    "empty body": {"body": ""},
    "blank body": {"body": " \n "},
    "body over the limit": {"body": "z" * 50_001},
    "unknown field": {"body": "ok", "score": 100},
    "not an object": ["body"],
    "NUL in the body": {"body": "a\u0000b"},
    "only a NUL": {"body": "\u0000"},
}


@pytest.mark.parametrize("case", list(BAD_POSTS))
async def test_bad_post_is_refused(forum: Forum, setup: Any, case: str) -> None:
    admin, _space, thread, _post = setup
    response = await forum.client.post(
        f"/v1/threads/{thread['id']}/posts", json=BAD_POSTS[case], headers=admin.headers
    )
    assert response.status_code == 400, response.text
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert view["post_count"] == 1


async def test_too_large_body_is_413(forum: Forum, setup: Any) -> None:
    admin, _space, thread, _post = setup
    response = await forum.client.post(
        f"/v1/threads/{thread['id']}/posts",
        content=b'{"body": "' + b"a" * 1_100_000 + b'"}',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


BAD_SPACES: dict[str, tuple[dict[str, Any], int]] = {
    "unknown visibility": ({"name": "x", "visibility": "secret"}, 400),
    "empty name": ({"name": "", "visibility": "org"}, 400),
    "NUL in the name": ({"name": "a\u0000b", "visibility": "org"}, 400),
    "NUL in the description": ({"name": "x", "description": "a\u0000b", "visibility": "org"}, 400),
    "cohort space without cohort": ({"name": "x", "visibility": "cohort"}, 400),
    "org space with a cohort": ({"name": "x", "visibility": "org", "cohort_id": "c1"}, 400),
    "public space by an org admin": ({"name": "x", "visibility": "public"}, 403),
    "space of another org": ({"name": "x", "visibility": "org", "org_id": "org-other"}, 404),
    "space of an unknown cohort": ({"name": "x", "visibility": "cohort", "cohort_id": "c-none"}, 404),
}


@pytest.mark.parametrize("case", list(BAD_SPACES))
async def test_bad_space(forum: Forum, setup: Any, case: str) -> None:
    admin, *_ = setup
    body, status = BAD_SPACES[case]
    before = len((await forum.client.get("/v1/spaces", headers=ADMIN)).json()["items"])
    response = await forum.client.post("/v1/spaces", json=body, headers=admin.headers)
    assert response.status_code == status, response.text
    assert len((await forum.client.get("/v1/spaces", headers=ADMIN)).json()["items"]) == before


async def test_only_admins_create_spaces(forum: Forum, setup: Any) -> None:
    learner = await forum.person("org-in")
    await forum.settle()
    response = await forum.client.post(
        "/v1/spaces", json={"name": "mine", "visibility": "org"}, headers=learner.headers
    )
    assert response.status_code == 403
    anonymous = await forum.client.post("/v1/spaces", json={"name": "mine", "visibility": "public"})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "sort=hot",
        "kind=poll",
        "cursor=%%%",
        "tag=" + "t" * 41,
        "tag=a%00b",
        "cursor=a%00b",
    ],
)
async def test_bad_listing_parameters(forum: Forum, setup: Any, query: str) -> None:
    admin, space, *_ = setup
    response = await forum.client.get(f"/v1/spaces/{space['id']}/threads?{query}", headers=admin.headers)
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("query", ["", "q=", "q=%20%2B%2B%20", "q=" + "a" * 201])
async def test_bad_search(forum: Forum, setup: Any, query: str) -> None:
    response = await forum.client.get(f"/v1/search?{query}")
    assert response.status_code == 400, response.text


async def test_search_syntax_is_never_interpreted(forum: Forum, setup: Any) -> None:
    for query in ('"unbalanced', "title:seed", "seed*", "NOT seed", "seed OR", "a & b | !c", "(seed"):
        response = await forum.client.get("/v1/search", params={"q": query}, headers=setup[0].headers)
        assert response.status_code == 200, (query, response.text)


async def test_bad_token_is_401(forum: Forum, setup: Any) -> None:
    _admin, space, *_ = setup
    response = await forum.client.get(f"/v1/spaces/{space['id']}", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


async def test_nul_in_edits_and_flags_is_400_and_changes_nothing(forum: Forum, setup: Any) -> None:
    admin, _space, _thread, _post = setup
    other = await forum.person("org-in")
    await forum.settle()
    space = await forum.space("org", admin.headers)  # not the seed's: its events are counted below
    thread = await forum.thread(space["id"], admin, title="Edit me", body="clean")
    post = await forum.post(thread["id"], admin, "clean answer")
    for method, url, body, who in [
        ("PATCH", f"/v1/threads/{thread['id']}", {"title": "a\u0000b"}, admin),
        ("PATCH", f"/v1/threads/{thread['id']}", {"body": "a\u0000b"}, admin),
        ("PATCH", f"/v1/posts/{post['id']}", {"body": "a\u0000b"}, admin),
        ("POST", f"/v1/posts/{post['id']}/flags", {"reason": "a\u0000b"}, other),
        ("POST", f"/v1/threads/{thread['id']}/accept", {"post_id": "a\u0000b"}, admin),
    ]:
        response = await forum.client.request(method, url, json=body, headers=who.headers)
        assert response.status_code == 400, (url, body, response.text)
    view = (await forum.client.get(f"/v1/threads/{thread['id']}", headers=admin.headers)).json()
    assert (view["title"], view["body"], view["posts"][0]["body"]) == ("Edit me", "clean", "clean answer")
    assert view["edited_at"] is None and view["posts"][0]["edited_at"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/threads/{x}"),
        ("GET", "/v1/spaces/{x}"),
        ("GET", "/v1/spaces/{x}/threads"),
        ("GET", "/v1/people/{x}"),
        ("PATCH", "/v1/threads/{x}"),
        ("DELETE", "/v1/threads/{x}"),
        ("POST", "/v1/threads/{x}/posts"),
        ("POST", "/v1/threads/{x}/votes"),
        ("POST", "/v1/posts/{x}/votes"),
        ("POST", "/v1/posts/{x}/flags"),
        ("DELETE", "/v1/posts/{x}"),
        ("POST", "/v1/moderation/posts/{x}/restore"),
        ("DELETE", "/v1/moderation/posts/{x}"),
    ],
)
async def test_an_id_with_a_nul_is_404(forum: Forum, setup: Any, method: str, path: str) -> None:
    admin, *_ = setup
    bodies = {"/posts": {"body": "hi"}, "/votes": {"value": 1}, "/flags": {"reason": "x"}}
    body = next((b for suffix, b in bodies.items() if path.endswith(suffix)), None)
    if method == "PATCH":
        body = {"title": "t"}
    for bad in ("a%00b", "%00", "a%01b"):
        url = path.format(x=bad)
        for headers in (admin.headers, ADMIN):
            response = await forum.client.request(method, url, json=body, headers=headers)
            assert response.status_code == 404, (method, url, response.text)


@pytest.mark.parametrize("query", ["q=a%00b", "q=%00", "q=seed&cursor=a%00b"])
async def test_nul_in_search_is_not_a_500(forum: Forum, setup: Any, query: str) -> None:
    response = await forum.client.get(f"/v1/search?{query}", headers=setup[0].headers)
    assert response.status_code in (200, 400), response.text


def _cursor(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


NOW = "2026-01-01T00:00:00+00:00"
BAD_CURSORS: dict[str, tuple[str, str]] = {
    # (which listing, the JSON inside the cursor; @ stands for a valid UTC time)
    "search: huge offset": ("search", '{"o":1e20}'),
    "search: offset as a bool": ("search", '{"o":true}'),
    "search: offset as a float": ("search", '{"o":2.5}'),
    "search: offset as text": ("search", '{"o":"20"}'),
    "search: negative offset": ("search", '{"o":-1}'),
    "search: offset past the cap": ("search", '{"o":10000000000000000000}'),
    "top: huge score": ("top", '{"s":"top","as_of":"@","k":1e20,"id":"x"}'),
    "top: score past int32": ("top", '{"s":"top","as_of":"@","k":4294967296,"id":"x"}'),
    "top: score as a bool": ("top", '{"s":"top","as_of":"@","k":true,"id":"x"}'),
    "top: NUL in the id": ("top", '{"s":"top","as_of":"@","k":1,"id":"a\\u0000b"}'),
    "top: id not a string": ("top", '{"s":"top","as_of":"@","k":1,"id":{"a":1}}'),
    "active: naive time": ("active", '{"s":"active","as_of":"2026-01-01T00:00:00","k":"@","id":"x"}'),
    "active: time not a string": ("active", '{"s":"active","as_of":1e20,"k":"@","id":"x"}'),
    "active: NUL in the time": ("active", '{"s":"active","as_of":"@","k":"a\\u0000","id":"x"}'),
    "new: NUL in the id": ("new", '{"s":"new","as_of":"@","k":"@","id":"\\u0000"}'),
    "new: no sort": ("new", '{"as_of":"@","k":"@","id":"x"}'),
    "posts: NUL in the id": ("posts", '{"c":"@","id":"a\\u0000b"}'),
    "posts: naive time": ("posts", '{"c":"2026-01-01T00:00:00","id":"x"}'),
    "spaces: NUL in the id": ("spaces", '{"id":"a\\u0000b"}'),
    "spaces: id not a string": ("spaces", '{"id":[1]}'),
    "queue: NUL in the id": ("queue", '{"id":"a\\u0000b"}'),
}


@pytest.mark.parametrize("case", list(BAD_CURSORS))
async def test_bad_cursor_contents_are_400(forum: Forum, setup: Any, case: str) -> None:
    admin, space, thread, _post = setup
    listing, raw = BAD_CURSORS[case]
    cursor = _cursor(raw.replace("@", NOW))
    url = {
        "search": f"/v1/search?q=seed&cursor={cursor}",
        "posts": f"/v1/threads/{thread['id']}?cursor={cursor}",
        "spaces": f"/v1/spaces?cursor={cursor}",
        "queue": f"/v1/moderation/queue?cursor={cursor}",
    }.get(listing, f"/v1/spaces/{space['id']}/threads?sort={listing}&cursor={cursor}")
    response = await forum.client.get(url, headers=admin.headers)
    assert response.status_code == 400, (raw, response.text)


async def test_refused_requests_published_nothing(forum: Forum, setup: Any) -> None:
    """Runs after the bad requests above: the space's events are the seed's and this sentinel's."""
    from peerlearn import events

    admin, space, thread, post = setup
    sentinel = await forum.thread(space["id"], admin, title="Sentinel")
    # The relay publishes in outbox order: once the sentinel is out, anything earlier is too.
    await forum.forum_events(1, types=(events.THREAD_CREATED,), thread_id=sentinel["id"])
    created = await forum.forum_events(1, types=(events.THREAD_CREATED,), space_id=space["id"])
    assert sorted(e.data.thread_id for e in created) == sorted([thread["id"], sentinel["id"]])
    posts = await forum.forum_events(1, types=(events.POST_CREATED,), space_id=space["id"])
    assert [e.data.post_id for e in posts] == [post["id"]]
