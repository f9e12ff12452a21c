"""Who may call what on mentorships: caller kinds x every mentorship endpoint, from one rule table.

Rules (DESIGN §6, issue 12): the mentee and the mentor see a mentorship and act on it; only the
mentor answers a request; the platform admin sees it (403 when acting); the admins of a party's
org list that person's mentorships; everyone else gets 404; no token is 401. State-changing
endpoints are probed where the state refuses the action (an active mentorship cannot be
accepted again, a request cannot be closed), so every cell leaves the world as it was — except
logging a session, which adds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn_matcher.adapters import mentorship_store
from peerlearn_matcher.domain.mentorships import Parties

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLERS = (
    "mentee",
    "mentor",
    "colleague",
    "org_admin",
    "other_org_admin",
    "platform_admin",
    "anonymous",
    "erased",
)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    # caller -> status; everyone not named gets 404 (401 without a token)
    answers: dict[str, int]
    body: dict[str, Any] | None = None


PARTIES_ACT = {"mentee": 201, "mentor": 201, "platform_admin": 403}
ENDPOINTS = (
    Endpoint(
        "list",
        "GET",
        "/v1/people/{mentee}/mentorships",
        {"mentee": 200, "org_admin": 200, "platform_admin": 200},
    ),
    Endpoint("one", "GET", "/v1/mentorships/{active}", {"mentee": 200, "mentor": 200, "platform_admin": 200}),
    # Already active: the mentor may answer, but not twice (409); the others who see it may not (403).
    Endpoint(
        "accept",
        "POST",
        "/v1/mentorships/{active}/accept",
        {"mentor": 409, "mentee": 403, "platform_admin": 403},
    ),
    Endpoint(
        "decline",
        "POST",
        "/v1/mentorships/{active}/decline",
        {"mentor": 409, "mentee": 403, "platform_admin": 403},
    ),
    Endpoint(
        "sessions",
        "POST",
        "/v1/mentorships/{active}/sessions",
        PARTIES_ACT,
        body={"at": "2026-01-05T10:00:00+00:00", "minutes": 30, "notes": "secret notes"},
    ),
    # Still a request: either party may close, but only an active mentorship (409).
    Endpoint(
        "close",
        "POST",
        "/v1/mentorships/{requested}/close",
        {"mentee": 409, "mentor": 409, "platform_admin": 403},
        body={"rating": 4},
    ),
    Endpoint(
        "programme",
        "GET",
        "/v1/cohorts/{cohort}/mentorships",
        {"org_admin": 200, "platform_admin": 200},
    ),
    Endpoint(
        "invite.ics",
        "GET",
        "/v1/mentorships/{active}/invite.ics",
        {"mentee": 200, "mentor": 200, "platform_admin": 403},
    ),
)


def expected(endpoint: Endpoint, caller: str) -> int:
    if caller == "anonymous":
        return 401
    return endpoint.answers.get(caller, 404)


@dataclass
class World:
    ids: dict[str, str]
    headers: dict[str, dict[str, str]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(matcher: Harness) -> World:
    org_a, org_b = new_org(), new_org()
    mentee = await matcher.upsert(person(org_a, "Mat Rix", want={"ansible": 1}, goal="automate the fleet"))
    mentor = await matcher.upsert(
        person(org_a, "Men Tor", have={"ansible": 5}, roles=("mentor",), mentor_capacity=3)
    )
    colleague = await matcher.upsert(person(org_a, "Col League", want={"ansible": 2}))
    admin = await matcher.upsert(person(org_a, "Ad Min", roles=("org_admin",)))
    other_admin = await matcher.upsert(person(org_b, "Oth Admin", roles=("org_admin",)))
    erased = await matcher.upsert(person(org_a, "Gone Away", want={"ansible": 1}))
    await matcher.publish(events.PersonDeleted(person_id=erased.id, org_id=org_a))
    cohort = await matcher.cohort("Ops Guild", org_a)
    for member in (mentee, mentor):
        await matcher.join(cohort, member)
    [offer] = await matcher.suggestions(mentee, "mentor")
    accepted = await matcher.client.post(
        f"/v1/suggestions/{offer['id']}/feedback", json={"action": "accept"}, headers=matcher.headers(mentee)
    )
    assert accepted.status_code == 200, accepted.text
    [active] = (
        await matcher.client.get(f"/v1/people/{mentee.id}/mentorships", headers=matcher.headers(mentee))
    ).json()["items"]
    answer = await matcher.client.post(
        f"/v1/mentorships/{active['id']}/accept", headers=matcher.headers(mentor)
    )
    assert answer.status_code == 200, answer.text
    # A second, still requested mentorship between the same two (stored directly: the mentor is
    # not suggested to the mentee twice).
    requested = events.new_id()
    async with matcher.database.transaction() as session:
        await mentorship_store.add(
            session,
            mentorship_id=requested,
            parties=Parties(
                mentee_id=mentee.id, mentor_id=mentor.id, mentee_org_id=org_a, mentor_org_id=org_a
            ),
            kind="mentor",
            suggestion_id=offer["id"],
            goal="",
            reasons=[],
            created_at=datetime.now(UTC),
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
    return World(
        ids={"mentee": mentee.id, "active": active["id"], "requested": requested, "cohort": cohort},
        headers={
            "mentee": matcher.headers(mentee),
            "mentor": matcher.headers(mentor),
            "colleague": matcher.headers(colleague),
            "org_admin": matcher.headers(admin),
            "other_org_admin": matcher.headers(other_admin),
            "platform_admin": matcher.admin,
            "anonymous": {},
            "erased": matcher.headers(erased),
        },
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
async def test_access_matrix(matcher: Harness, world: World, endpoint: Endpoint, caller: str) -> None:
    path = endpoint.path.format(**world.ids)
    response = await matcher.client.request(
        endpoint.method, path, headers=world.headers[caller], json=endpoint.body
    )
    assert response.status_code == expected(endpoint, caller), response.text
    if response.status_code in (403, 404):
        # The body names nothing the caller may not know.
        assert "Mat Rix" not in response.text and "automate the fleet" not in response.text
    if (
        response.status_code == 200
        and endpoint.name in ("list", "one")
        and caller not in ("mentee", "mentor")
    ):
        # Admins never read the two's notes or their introduction.
        assert "secret notes" not in response.text and "Proposed first sessions" not in response.text


async def test_the_org_admins_list_has_no_sessions_and_the_parties_read_their_notes(
    matcher: Harness, world: World
) -> None:
    listed = await matcher.client.get(
        f"/v1/people/{world.ids['mentee']}/mentorships", headers=world.headers["org_admin"]
    )
    assert {m["status"] for m in listed.json()["items"]} == {"active", "requested"}
    assert all(m["sessions"] == [] and m["introduction"] is None for m in listed.json()["items"])
    logged = await matcher.client.post(
        f"/v1/mentorships/{world.ids['active']}/sessions",
        json={"at": "2026-01-06T10:00:00+00:00", "minutes": 30, "notes": "secret notes"},
        headers=world.headers["mentor"],
    )
    assert logged.status_code == 201
    one = await matcher.client.get(f"/v1/mentorships/{world.ids['active']}", headers=world.headers["mentee"])
    assert "secret notes" in {s["notes"] for s in one.json()["sessions"]}


async def test_unknown_mentorships_are_404(matcher: Harness, world: World) -> None:
    for method, path, body in (
        ("GET", "/v1/mentorships/nope", None),
        ("POST", "/v1/mentorships/nope/accept", None),
        ("POST", "/v1/mentorships/nope/sessions", {"at": "2026-01-05T10:00:00+00:00", "minutes": 30}),
        ("POST", "/v1/mentorships/nope/close", {"rating": 3}),
        ("GET", "/v1/mentorships/nope/invite.ics", None),
        ("GET", "/v1/people/nobody/mentorships", None),
    ):
        response = await matcher.client.request(
            method, path, headers=world.headers["platform_admin"], json=body
        )
        expected_status = 200 if path.startswith("/v1/people/") else 404
        assert response.status_code == expected_status, (path, response.text)


async def test_the_matrix_covers_every_mentorship_path(matcher: Harness) -> None:
    app = matcher.client.app
    routes = {route.path.replace(":str}", "}") for route in app.routes if "mentorships" in route.path}
    covered = {
        e.path.replace("{mentee}", "{person_id}")
        .replace("{active}", "{mentorship_id}")
        .replace("{requested}", "{mentorship_id}")
        .replace("{cohort}", "{cohort_id}")
        for e in ENDPOINTS
    }
    assert routes == covered, routes


async def test_the_programme_view_tallies_the_cohorts_mentorships(matcher: Harness, world: World) -> None:
    response = await matcher.client.get(
        f"/v1/cohorts/{world.ids['cohort']}/mentorships", headers=world.headers["org_admin"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["by_status"] == {"active": 1, "requested": 1}
    assert {m["id"] for m in body["items"]} == {world.ids["active"], world.ids["requested"]}
    assert body["sessions"] == sum(m["session_count"] for m in body["items"])
    assert body["never_met"] == 0 and body["mean_rating"] is None
    assert "secret notes" not in response.text and "Proposed first sessions" not in response.text
    unknown = await matcher.client.get(
        "/v1/cohorts/nope/mentorships", headers=world.headers["platform_admin"]
    )
    assert unknown.status_code == 404
