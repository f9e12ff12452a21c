"""Who may do what (DESIGN §6), as a matrix generated from callers x endpoints.

The world: org A (the target) with a learner, an admin and a member of cohort X; org B,
a partner that joined X, with its admin, a learner in X and an ex-member removed from X;
org C, which shares nothing with A. Two callers hold tokens that outlived what they were
issued for: an admin of A since erased (401 everywhere) and an admin of A since demoted to
learner (exactly a learner of A: roles come from the database, not the token). Every
endpoint is called by every kind of caller; the expected status is read from one table per
endpoint, so a rule change is one edit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLERS = (
    "same_org_learner",
    "same_org_admin",
    "other_org",
    "cohort_member",
    "ex_cohort_member",
    "partner_admin",
    "anonymous",
    "platform_admin",
    "erased_person",  # the token of an org admin of A who has since been erased
    "demoted_admin",  # the token of an org admin of A who has since become a learner
)


@dataclass
class World:
    profiles: Any
    org_a: str
    org_b: str
    org_c: str
    cohort_x: str
    a_member: str  # a person of A in cohort X
    a_admin_token: str
    b_admin_token: str
    tokens: dict[str, str | None]

    async def fresh_person(self, *, in_cohort: bool = False) -> str:
        person = await self.profiles.person(self.org_a)
        if in_cohort:
            await self.profiles.add(self.cohort_x, person["id"])
        return str(person["id"])

    async def fresh_cohort_with_b(self, *, joined: bool) -> str:
        cohort_id = await self.profiles.cohort(self.a_admin_token, "Fresh")
        await self.profiles.call(
            "POST", f"/v1/cohorts/{cohort_id}/invitations", self.a_admin_token, json={"org_id": self.org_b}
        )
        if joined:
            await self.profiles.call("POST", f"/v1/cohorts/{cohort_id}/invitations/{self.org_b}/accept")
        return str(cohort_id)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(profiles: Any) -> World:
    p = profiles
    org_a, org_b, org_c = await p.org("A"), await p.org("B"), await p.org("C")
    a_admin = await p.person(org_a, roles=["org_admin"])
    a_learner = await p.person(org_a)
    a_member = await p.person(org_a)
    b_admin = await p.person(org_b, roles=["org_admin"])
    b_member = await p.person(org_b)
    b_ex = await p.person(org_b)
    c_learner = await p.person(org_c)
    erased, demoted = await p.person(org_a, roles=["org_admin"]), await p.person(org_a, roles=["org_admin"])
    erased_token, demoted_token = await p.token(erased["id"]), await p.token(demoted["id"])
    await p.call("DELETE", f"/v1/people/{erased['id']}", expect=204)
    await p.call("PUT", f"/v1/people/{demoted['id']}", json={"roles": ["learner"]}, expect=200)
    a_admin_token, b_admin_token = await p.token(a_admin["id"]), await p.token(b_admin["id"])
    cohort_x = await p.cohort(a_admin_token, "X")
    await p.join(cohort_x, org_b, a_admin_token, b_admin_token)
    await p.add(cohort_x, a_member["id"], a_admin_token)
    for person in (b_member, b_ex):
        await p.add(cohort_x, person["id"], b_admin_token)
    await p.call("DELETE", f"/v1/cohorts/{cohort_x}/members/{b_ex['id']}", b_admin_token, expect=204)
    tokens: dict[str, str | None] = {
        "same_org_learner": await p.token(a_learner["id"]),
        "same_org_admin": a_admin_token,
        "other_org": await p.token(c_learner["id"]),
        "cohort_member": await p.token(b_member["id"]),
        "ex_cohort_member": await p.token(b_ex["id"]),
        "partner_admin": b_admin_token,
        "anonymous": None,
        "platform_admin": p.call.__defaults__[0],
        "erased_person": erased_token,
        "demoted_admin": demoted_token,
    }
    return World(p, org_a, org_b, org_c, cohort_x, a_member["id"], a_admin_token, b_admin_token, tokens)


Request = tuple[str, str, dict[str, Any]]  # method, path, keyword arguments of the call
Setup = Callable[[World], Awaitable[Request]]


async def _static(method: str, path: str, **kwargs: Any) -> Request:
    return method, path, kwargs


def _csv() -> dict[str, Any]:
    body = (
        "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"
        "Al,al@a.example,,UTC,1,,,\n"
    )
    return {"content": body, "headers": {"Content-Type": "text/csv"}}


# endpoint -> (how to build the request, expected status per caller in CALLERS order)
ENDPOINTS: dict[str, tuple[Setup, tuple[int, ...]]] = {
    "POST /v1/orgs": (
        lambda w: _static("POST", "/v1/orgs", json={"name": "New", "kind": "community"}),
        (403, 403, 403, 403, 403, 403, 401, 201, 401, 403),
    ),
    "GET /v1/orgs/{A}": (
        lambda w: _static("GET", f"/v1/orgs/{w.org_a}"),
        (200, 200, 404, 200, 200, 200, 401, 200, 401, 200),
    ),
    "GET /v1/orgs/{A}/people": (
        lambda w: _static("GET", f"/v1/orgs/{w.org_a}/people"),
        (200, 200, 404, 200, 404, 404, 401, 200, 401, 200),
    ),
    "POST /v1/orgs/{A}/people": (
        lambda w: _static(
            "POST", f"/v1/orgs/{w.org_a}/people", json={"display_name": "N", "email": _email()}
        ),
        (403, 201, 404, 404, 404, 404, 401, 201, 401, 403),
    ),
    "POST /v1/orgs/{A}/people:import": (
        lambda w: _static("POST", f"/v1/orgs/{w.org_a}/people:import", **_csv()),
        (403, 200, 404, 404, 404, 404, 401, 200, 401, 403),
    ),
    "GET /v1/me": (
        lambda w: _static("GET", "/v1/me"),
        (200, 200, 200, 200, 200, 200, 401, 404, 401, 200),
    ),
    "GET /v1/people/{A cohort member}": (
        lambda w: _static("GET", f"/v1/people/{w.a_member}"),
        (200, 200, 404, 200, 404, 200, 401, 200, 401, 200),
    ),
    "PUT /v1/people/{A cohort member}": (
        lambda w: _static("PUT", f"/v1/people/{w.a_member}", json={"goal": _email()}),
        (403, 200, 404, 403, 404, 403, 401, 200, 401, 403),
    ),
    "DELETE /v1/people/{A cohort member}": (
        lambda w: _fresh("DELETE", w, "/v1/people/{}", in_cohort=True),
        (403, 204, 404, 403, 404, 403, 401, 204, 401, 403),
    ),
    "POST /v1/tokens {A cohort member}": (
        lambda w: _static("POST", "/v1/tokens", json={"person_id": w.a_member}),
        (403, 201, 404, 403, 404, 403, 401, 201, 401, 403),
    ),
    "POST /v1/people/{A cohort member}/sign-in-link": (
        lambda w: _static("POST", f"/v1/people/{w.a_member}/sign-in-link"),
        (403, 201, 404, 403, 404, 403, 401, 201, 401, 403),
    ),
    "PUT /v1/orgs/{A}/sso": (
        lambda w: _static("PUT", f"/v1/orgs/{w.org_a}/sso", json=_sso()),
        (403, 200, 404, 403, 403, 403, 401, 200, 401, 403),
    ),
    "POST /v1/cohorts (owner A)": (
        lambda w: _static("POST", "/v1/cohorts", json={"name": "New", "owner_org_id": w.org_a}),
        (403, 201, 404, 404, 404, 404, 401, 201, 401, 403),
    ),
    "GET /v1/cohorts": (
        lambda w: _static("GET", "/v1/cohorts"),
        (200, 200, 200, 200, 200, 200, 401, 200, 401, 200),
    ),
    "GET /v1/cohorts/{X}": (
        lambda w: _static("GET", f"/v1/cohorts/{w.cohort_x}"),
        (200, 200, 404, 200, 200, 200, 401, 200, 401, 200),
    ),
    "POST /v1/cohorts/{X}/invitations {new org}": (
        lambda w: _invite_new_org(w),
        (403, 201, 404, 403, 403, 403, 401, 201, 401, 403),
    ),
    "POST /v1/cohorts/{new}/invitations/{B}/accept": (
        lambda w: _fresh_cohort("POST", w, "/v1/cohorts/{}/invitations/" + w.org_b + "/accept", joined=False),
        (403, 403, 404, 403, 403, 200, 401, 200, 401, 403),
    ),
    "POST /v1/cohorts/{new}/invitations/{B}/decline": (
        lambda w: _fresh_cohort(
            "POST", w, "/v1/cohorts/{}/invitations/" + w.org_b + "/decline", joined=False
        ),
        (403, 403, 404, 403, 403, 200, 401, 200, 401, 403),
    ),
    "DELETE /v1/cohorts/{new}/orgs/{B}": (
        lambda w: _fresh_cohort("DELETE", w, "/v1/cohorts/{}/orgs/" + w.org_b, joined=True),
        (403, 204, 404, 403, 403, 204, 401, 204, 401, 403),
    ),
    "POST /v1/cohorts/{X}/members/{new A person}": (
        lambda w: _fresh("POST", w, f"/v1/cohorts/{w.cohort_x}/members/{{}}", in_cohort=False),
        (403, 201, 404, 404, 404, 404, 401, 201, 401, 403),
    ),
    "DELETE /v1/cohorts/{X}/members/{A member}": (
        lambda w: _fresh("DELETE", w, f"/v1/cohorts/{w.cohort_x}/members/{{}}", in_cohort=True),
        (403, 204, 404, 403, 404, 403, 401, 204, 401, 403),
    ),
}

_counter = iter(range(1_000_000))


def _sso() -> dict[str, Any]:
    return {
        "issuer": "https://idp.a.example",
        "client_id": "web",
        "client_secret": "s3cret-value",
        "allowed_domains": ["a.example"],
    }


def _email() -> str:
    return f"n{next(_counter)}@a.example"


async def _fresh(method: str, world: World, template: str, *, in_cohort: bool) -> Request:
    return method, template.format(await world.fresh_person(in_cohort=in_cohort)), {}


async def _invite_new_org(world: World) -> Request:
    org_id = await world.profiles.org("Invitee")
    return "POST", f"/v1/cohorts/{world.cohort_x}/invitations", {"json": {"org_id": org_id}}


async def _fresh_cohort(method: str, world: World, template: str, *, joined: bool) -> Request:
    return method, template.format(await world.fresh_cohort_with_b(joined=joined)), {}


MATRIX = [
    pytest.param(endpoint, caller, expected[i], id=f"{endpoint} as {caller}")
    for endpoint, (_, expected) in ENDPOINTS.items()
    for i, caller in enumerate(CALLERS)
]


@pytest.mark.parametrize(("endpoint", "caller", "expected"), MATRIX)
async def test_access_matrix(world: World, endpoint: str, caller: str, expected: int) -> None:
    setup, _ = ENDPOINTS[endpoint]
    method, path, kwargs = await setup(world)
    response = await world.profiles.call(method, path, world.tokens[caller], **kwargs)
    assert response.status_code == expected, f"{endpoint} as {caller}: {response.status_code} {response.text}"
    if caller == "erased_person":
        assert response.json()["detail"] == "the person of this token no longer exists"


async def test_a_cohort_mate_of_another_org_sees_a_card_without_email(world: World) -> None:
    seen = (
        await world.profiles.call("GET", f"/v1/people/{world.a_member}", world.tokens["cohort_member"])
    ).json()
    assert seen["type"] == "card"
    assert set(seen) == {"type", "id", "org_id", "display_name", "goal", "skills"}


async def test_a_cohort_mate_lists_only_the_orgs_people_they_share_a_cohort_with(world: World) -> None:
    page = (
        await world.profiles.call("GET", f"/v1/orgs/{world.org_a}/people", world.tokens["cohort_member"])
    ).json()
    ids = {item["id"] for item in page["items"]}
    assert world.a_member in ids
    assert all(item["type"] == "card" and "email" not in item for item in page["items"])
    everyone = (await world.profiles.call("GET", f"/v1/orgs/{world.org_a}/people")).json()
    assert len(everyone["items"]) > len(page["items"])


async def test_only_cohort_members_see_the_other_orgs_members_of_a_cohort(world: World) -> None:
    path = f"/v1/cohorts/{world.cohort_x}"
    as_member = (await world.profiles.call("GET", path, world.tokens["cohort_member"])).json()
    as_ex = (await world.profiles.call("GET", path, world.tokens["ex_cohort_member"])).json()
    assert world.a_member in as_member["member_person_ids"]
    assert world.a_member not in as_ex["member_person_ids"]
    assert as_ex["member_org_ids"] == as_member["member_org_ids"] == sorted([world.org_a, world.org_b])


async def test_a_token_that_is_not_valid_is_401_not_anonymous(world: World) -> None:
    response = await world.profiles.call("GET", f"/v1/orgs/{world.org_a}", "forged.token.value")
    assert response.status_code == 401
