"""The profiles part of ``peerlearn demo``: organisations, ~150 people, two cross-org cohorts.

Everything goes through the public HTTP API, as a real client would: the platform admin
creates the orgs and each org's first admin; each org admin imports their people as CSV,
gets a token for each of them, and runs the cohort invitations and memberships. The data
comes from :mod:`peerlearn_profiles.demo_data` (seeded, so every run makes the same
people). Run it once per fresh system: a second run makes a second set of orgs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from peerlearn.demo import DemoContext, Progress
from peerlearn_profiles.demo_data import COHORTS, ORGS, DemoPerson, build_people, roster_csv

MEMBERS_PER_ORG = 12  # how many of each org's people join a cohort on its topic
CONCURRENCY = 8


class DemoError(RuntimeError):
    """A demo step the service refused; the message has its answer."""


class _Api:
    """A thin client that retries on 429 (the per-person write limit) and fails loudly on 4xx/5xx."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        for _ in range(20):
            response = await self.client.request(method, path, headers=headers, **kwargs)
            if response.status_code != 429:
                break
            await asyncio.sleep(float(response.headers.get("retry-after", "1") or 1))
        if response.status_code >= 400:
            raise DemoError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None


def _person_body(person: DemoPerson) -> dict[str, Any]:
    return {
        "display_name": person.display_name,
        "email": person.email,
        "roles": person.roles,
        "bio": person.bio,
        "goal": person.goal,
        "timezone": person.timezone,
        "weekly_hours": person.weekly_hours,
        "mentor_capacity": person.mentor_capacity,
        "open_to_external": person.open_to_external,
        "skills": person.skills(),
    }


async def load_demo(ctx: DemoContext) -> None:
    """Create the demo orgs, people and cohorts in the running profiles service; fill ``ctx``."""
    people = build_people()
    async with httpx.AsyncClient(base_url=ctx.urls["profiles"], timeout=60) as client:
        api = _Api(client)
        orgs: dict[str, dict[str, Any]] = {}
        loaded: list[tuple[DemoPerson, dict[str, Any]]] = []
        progress = Progress("profiles people", len(people), every=0)
        for org in ORGS:
            members = [p for p in people if p.org_key == org.key]
            created = await api.call(
                "POST", "/v1/orgs", ctx.admin_token, json={"name": org.name, "kind": org.kind}
            )
            org_id = created["id"]
            admin = await api.call(
                "POST", f"/v1/orgs/{org_id}/people", ctx.admin_token, json=_person_body(members[0])
            )
            admin_token = (
                await api.call("POST", "/v1/tokens", ctx.admin_token, json={"person_id": admin["id"]})
            )["token"]
            report = await api.call(
                "POST",
                f"/v1/orgs/{org_id}/people:import",
                admin_token,
                content=roster_csv(members[1:]).encode(),
                headers={"Content-Type": "text/csv"},
            )
            if report["rejected"]:
                raise DemoError(f"the demo roster of {org.name} has rejected rows: {report['rejected']}")
            ids = {row["email"]: row["id"] for row in report["people"]}
            ids[members[0].email] = admin["id"]
            tokens = await _tokens(api, admin_token, [ids[p.email] for p in members])
            orgs[org.key] = {
                "id": org_id,
                "name": org.name,
                "kind": org.kind,
                "admin_token": admin_token,
                "admin_id": admin["id"],
            }
            for person in members:
                record = {
                    "id": ids[person.email],
                    "org_id": org_id,
                    "display_name": person.display_name,
                    "roles": person.roles,
                    "skills": person.skills(),
                    "goal": person.goal,
                    "token": tokens[ids[person.email]],
                }
                loaded.append((person, record))
            progress.advance(len(members))
        cohorts = [await _cohort(api, orgs, loaded, *spec) for spec in COHORTS]
    _fill(ctx, orgs, loaded, cohorts)


async def _tokens(api: _Api, admin_token: str, person_ids: list[str]) -> dict[str, str]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(person_id: str) -> tuple[str, str]:
        async with gate:
            issued = await api.call("POST", "/v1/tokens", admin_token, json={"person_id": person_id})
            return person_id, issued["token"]

    return dict(await asyncio.gather(*(one(i) for i in person_ids)))


async def _cohort(
    api: _Api,
    orgs: dict[str, dict[str, Any]],
    loaded: list[tuple[DemoPerson, dict[str, Any]]],
    name: str,
    topic: str,
    owner: str,
    invited: tuple[str, ...],
    tracks: set[str],
) -> dict[str, Any]:
    owner_token = orgs[owner]["admin_token"]
    cohort = await api.call("POST", "/v1/cohorts", owner_token, json={"name": name, "topic": topic})
    cohort_id = cohort["id"]
    for key in invited:
        org_id = orgs[key]["id"]
        await api.call("POST", f"/v1/cohorts/{cohort_id}/invitations", owner_token, json={"org_id": org_id})
        await api.call(
            "POST", f"/v1/cohorts/{cohort_id}/invitations/{org_id}/accept", orgs[key]["admin_token"]
        )
    member_ids: list[str] = []
    for key in (owner, *invited):
        chosen = [rec for person, rec in loaded if person.org_key == key and person.track in tracks]
        for record in chosen[:MEMBERS_PER_ORG]:
            await api.call(
                "POST", f"/v1/cohorts/{cohort_id}/members/{record['id']}", orgs[key]["admin_token"]
            )
            member_ids.append(record["id"])
    return {
        "id": cohort_id,
        "name": name,
        "owner_org_id": orgs[owner]["id"],
        "member_org_ids": [orgs[key]["id"] for key in (owner, *invited)],
        "member_person_ids": member_ids,
    }


def _fill(
    ctx: DemoContext,
    orgs: dict[str, dict[str, Any]],
    loaded: list[tuple[DemoPerson, dict[str, Any]]],
    cohorts: list[dict[str, Any]],
) -> None:
    ctx.extra["orgs"] = list(orgs.values())
    ctx.extra["cohorts"] = cohorts
    ctx.people.extend(record for _, record in loaded)
    in_cohort = {pid for cohort in cohorts for pid in cohort["member_person_ids"]}

    kinds = {
        "learner": lambda roles: roles == ["learner"],
        "mentor": lambda roles: "mentor" in roles and "expert" not in roles and "org_admin" not in roles,
        "expert": lambda roles: "expert" in roles,
    }

    def first(org_key: str, kind: str, *, cohort_member: bool = False) -> dict[str, Any]:
        return next(
            rec
            for person, rec in loaded
            if person.org_key == org_key
            and kinds[kind](person.roles)
            and (not cohort_member or rec["id"] in in_cohort)
        )

    northwind, bluepeak = orgs["northwind"]["name"], orgs["bluepeak"]["name"]
    meridian, circle = orgs["meridian"]["name"], orgs["circle"]["name"]
    picks = {
        f"org admin of {northwind}": orgs["northwind"]["admin_token"],
        f"learner at {northwind} (in {cohorts[0]['name']})": first(
            "northwind", "learner", cohort_member=True
        )["token"],
        f"mentor at {bluepeak}": first("bluepeak", "mentor")["token"],
        f"expert at {meridian} (open to external)": first("meridian", "expert")["token"],
        f"member of {circle}": first("circle", "learner")["token"],
        f"org admin of {circle}": orgs["circle"]["admin_token"],
    }
    ctx.tokens.update(picks)
    # Who gets a sign-in link when the demo is done (links are minted last: they last 15 minutes).
    ctx.extra["sign_in_people"] = {
        f"learner at {northwind}": first("northwind", "learner", cohort_member=True)["id"],
        f"mentor at {bluepeak}": first("bluepeak", "mentor")["id"],
        f"org admin of {northwind}": orgs["northwind"]["admin_id"],
    }
    ctx.summary.append(
        f"profiles: {len(orgs)} organisations ({', '.join(o['name'] for o in orgs.values())}), "
        f"{len(loaded)} people"
    )
    for cohort in cohorts:
        ctx.summary.append(
            f"profiles: cohort {cohort['name']!r}: {len(cohort['member_org_ids'])} orgs, "
            f"{len(cohort['member_person_ids'])} members"
        )


async def sign_in_links(ctx: DemoContext) -> dict[str, str]:
    """A fresh single-use sign-in link (15 minutes) for the demo learner, mentor and org admin."""
    links: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=ctx.urls["profiles"], timeout=30) as client:
        api = _Api(client)
        for label, person_id in ctx.extra.get("sign_in_people", {}).items():
            link = await api.call("POST", f"/v1/people/{person_id}/sign-in-link", ctx.admin_token)
            links[label] = link["url"]
    return links


async def finish_demo(ctx: DemoContext) -> None:
    """Print the sign-in links, last, so that they are fresh when the person reads them."""
    links = await sign_in_links(ctx)
    if links:
        print("sign in as (open in a browser; each link works once, within 15 minutes):")
        for label, url in links.items():
            print(f"  {label}: {url}")
