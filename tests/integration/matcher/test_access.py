"""Who may call what: the matrix of caller kinds x matcher endpoints, generated from one rule table.

Rules (DESIGN §6): a person reads and answers only their own suggestions; a thread's answerers
and related threads are for those who may read the thread; a cohort's planning is for the
admins of its orgs. Anything a caller may not see answers 404 (never 403); no token where one
is needed answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from peerlearn import events

from .conftest import Harness, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLERS = (
    "self",
    "colleague",
    "org_admin",
    "other_org",
    "other_org_admin",
    "platform_admin",
    "anonymous",
    # A valid token whose person was erased since: it grants nothing.
    "erased",
    # An org admin's token issued before they were demoted to learner: a colleague now, no admin.
    "demoted_admin",
)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # formatted with the world's ids
    allowed: frozenset[str]
    body: dict[str, Any] | None = None
    anonymous_status: int = 401


ENDPOINTS = (
    Endpoint("suggestions", "GET", "/v1/people/{learner}/suggestions", frozenset({"self", "platform_admin"})),
    Endpoint(
        "feedback",
        "POST",
        "/v1/suggestions/{suggestion}/feedback",
        frozenset({"self"}),
        body={"action": "accept", "rating": 4},
    ),
    Endpoint(
        "answerers",
        "GET",
        "/v1/threads/{thread}/answerers",
        frozenset({"self", "colleague", "org_admin", "platform_admin", "demoted_admin"}),
        anonymous_status=404,
    ),
    Endpoint(
        "related",
        "GET",
        "/v1/threads/{thread}/related",
        frozenset({"self", "colleague", "org_admin", "platform_admin", "demoted_admin"}),
        anonymous_status=404,
    ),
    Endpoint(
        "groups",
        "POST",
        "/v1/cohorts/{cohort}/groups",
        frozenset({"org_admin", "platform_admin"}),
        body={"size": 2},
    ),
    Endpoint(
        "mentor-assignment",
        "POST",
        "/v1/cohorts/{cohort}/mentor-assignment",
        frozenset({"org_admin", "platform_admin"}),
        body={},
    ),
)


def expected(endpoint: Endpoint, caller: str) -> int:
    if caller in endpoint.allowed:
        return 200
    return endpoint.anonymous_status if caller == "anonymous" else 404


@dataclass
class World:
    ids: dict[str, str]
    headers: dict[str, dict[str, str]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(matcher: Harness) -> World:
    org_a, org_b = new_org(), new_org()
    learner = await matcher.upsert(person(org_a, "Mat Rix", want={"ansible": 1}))
    await matcher.upsert(person(org_a, "Men Tor", have={"ansible": 5}, roles=("mentor",), mentor_capacity=2))
    colleague = await matcher.upsert(person(org_a, "Col League", want={"ansible": 2}))
    admin = await matcher.upsert(person(org_a, "Ad Min", roles=("org_admin",)))
    other = await matcher.upsert(person(org_b, "Oth Er", want={"ansible": 1}))
    other_admin = await matcher.upsert(person(org_b, "Oth Admin", roles=("org_admin",)))
    erased = await matcher.upsert(person(org_a, "Gone Away", want={"ansible": 1}))
    await matcher.publish(events.PersonDeleted(person_id=erased.id, org_id=org_a))
    demoted = await matcher.upsert(person(org_a, "Ex Admin", roles=("org_admin",)))
    await matcher.upsert(_as_learner(demoted))
    cohort = await matcher.cohort("Automation", org_a)
    for member in (learner, colleague):
        await matcher.join(cohort, member)
    question = thread(learner, "Ansible vault in CI", visibility="org", tags=("ansible",))
    await matcher.publish(question)
    [suggestion] = await matcher.suggestions(learner, "mentor")
    return World(
        ids={
            "learner": learner.id,
            "suggestion": suggestion["id"],
            "thread": question.thread_id,
            "cohort": cohort,
        },
        headers={
            "self": matcher.headers(learner),
            "colleague": matcher.headers(colleague),
            "org_admin": matcher.headers(admin),
            "other_org": matcher.headers(other),
            "other_org_admin": matcher.headers(other_admin),
            "platform_admin": matcher.admin,
            "anonymous": {},
            "erased": matcher.headers(erased),
            "demoted_admin": matcher.headers(demoted, roles=("org_admin",)),
        },
    )


def _as_learner(profile: events.PersonProfile) -> events.PersonProfile:
    import msgspec

    return msgspec.structs.replace(profile, roles=["learner"])


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
async def test_access_matrix(matcher: Harness, world: World, endpoint: Endpoint, caller: str) -> None:
    path = endpoint.path.format(**world.ids)
    response = await matcher.client.request(
        endpoint.method, path, headers=world.headers[caller], json=endpoint.body
    )
    assert response.status_code == expected(endpoint, caller), response.text
    if response.status_code == 404:
        # The body names nothing the caller may not know.
        assert "Mat Rix" not in response.text and "Ansible vault" not in response.text


BAD_REQUESTS = [
    ("GET", "/v1/people/{learner}/suggestions?kind=friend", None),
    ("GET", "/v1/people/{learner}/suggestions?limit=0", None),
    ("GET", "/v1/people/{learner}/suggestions?limit=1000", None),
    ("GET", "/v1/people/{learner}/suggestions?cursor=abc", None),
    ("POST", "/v1/suggestions/{suggestion}/feedback", {"action": "like"}),
    ("POST", "/v1/suggestions/{suggestion}/feedback", {"action": "accept", "rating": 9}),
    ("POST", "/v1/suggestions/{suggestion}/feedback", {"action": "accept", "extra": 1}),
    ("POST", "/v1/suggestions/{suggestion}/feedback", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_REQUESTS)
async def test_bad_input_is_a_clear_400(
    matcher: Harness, world: World, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await matcher.client.request(
        method, path.format(**world.ids), headers=world.headers["self"], json=body
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize("body", [{"size": 1}, {"size": 500}, {"size": "four"}, {"size": 3, "x": 1}, {}])
async def test_bad_group_sizes_are_400(matcher: Harness, world: World, body: dict[str, Any]) -> None:
    response = await matcher.client.post(
        f"/v1/cohorts/{world.ids['cohort']}/groups", headers=world.headers["org_admin"], json=body
    )
    assert response.status_code == 400, response.text


async def test_unknown_ids_are_404(matcher: Harness, world: World) -> None:
    headers = world.headers["platform_admin"]
    for method, path, body in (
        ("POST", "/v1/suggestions/nope/feedback", {"action": "decline"}),
        ("GET", "/v1/threads/nope/answerers", None),
        ("GET", "/v1/threads/nope/related", None),
        ("POST", "/v1/cohorts/nope/groups", {"size": 3}),
        ("POST", "/v1/cohorts/nope/mentor-assignment", {}),
    ):
        response = await matcher.client.request(method, path, headers=headers, json=body)
        assert response.status_code == 404, (path, response.text)


async def test_the_matrix_covers_every_matcher_path(matcher: Harness) -> None:
    app = matcher.client.app  # type: ignore[attr-defined]
    routes = {route.path.replace(":str}", "}") for route in app.routes if route.path.startswith("/v1/")}
    covered = {
        e.path.replace("{learner}", "{person_id}")
        .replace("{suggestion}", "{suggestion_id}")
        .replace("{thread}", "{thread_id}")
        .replace("{cohort}", "{cohort_id}")
        for e in ENDPOINTS
    }
    # The stream's access is tested in test_stream.py (it needs a real connection); mentorships'
    # in test_mentorships_access.py (they need a mentorship in each state).
    mentorships = {r for r in routes if r.startswith("/v1/mentorships/") or r.endswith("/mentorships")}
    assert routes - covered - mentorships == {"/v1/people/{person_id}/suggestions/stream"}, routes


async def test_anonymous_readers_of_a_public_question_see_no_answerers(matcher: Harness) -> None:
    org_a, org_b = new_org(), new_org()
    asker = await matcher.upsert(person(org_a, "Pub Lic", want={"terraform": 1}))
    # Open to being matched across organisations: consent to be suggested, not to be listed publicly.
    await matcher.upsert(
        person(org_b, "Ex Pert", have={"terraform": 5}, roles=("expert",), open_to_external=True)
    )
    question = thread(asker, "Terraform state locking on S3", visibility="public", tags=("terraform",))
    await matcher.publish(question)
    path = f"/v1/threads/{question.thread_id}/answerers"
    as_admin = (await matcher.client.get(path, headers=matcher.admin)).json()["answerers"]
    assert [a["display_name"] for a in as_admin] == ["Ex Pert"]  # there is someone to hide
    anonymous = await matcher.client.get(path)
    assert anonymous.status_code == 200
    assert anonymous.json()["answerers"] == []
