"""The matcher's demo step: wait until suggestions exist for a few demo learners, show one.

Runs after the profiles and forum loaders (``ctx.people`` carries each person's token); it
only reads the public matcher API, as a browser would.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from peerlearn.demo import DemoContext
from peerlearn_matcher.demo_mentorship import run_mentorship

LEARNERS_TO_CHECK = 5
WAIT_SECONDS = 90.0


async def _suggestions(client: httpx.AsyncClient, person: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/people/{person['id']}/suggestions",
        params={"limit": 30},
        headers={"Authorization": f"Bearer {person['token']}"},
    )
    if response.status_code != 200:
        return []
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def load_demo(ctx: DemoContext) -> None:
    """Wait for the demo learners' suggestions and put one learner's best ones in the summary."""
    learners = [
        p
        for p in ctx.people
        if p.get("token") and "learner" in p.get("roles", ()) and "org_admin" not in p.get("roles", ())
    ][:LEARNERS_TO_CHECK]
    if not learners:
        ctx.summary.append("matcher: no demo learners to show suggestions for")
        return
    found: dict[str, list[dict[str, Any]]] = {}
    deadline = time.monotonic() + WAIT_SECONDS
    async with httpx.AsyncClient(base_url=ctx.urls["matcher"], timeout=30) as client:
        while time.monotonic() < deadline and len(found) < len(learners):
            for person in learners:
                if person["id"] not in found:
                    items = await _suggestions(client, person)
                    if items:
                        found[person["id"]] = items
            if len(found) < len(learners):
                await asyncio.sleep(0.5)
    checked = f"{len(found)} of {len(learners)}"
    ctx.summary.append(f"matcher: suggestions ready for {checked} demo learners checked")
    # The learner shown is one with a mentor suggested when there is one: the mentorship below
    # starts from it.
    with_mentor = [p for p in learners if any(i["kind"] == "mentor" for i in found.get(p["id"], ()))]
    shown = next(iter(with_mentor), None) or next((p for p in learners if p["id"] in found), None)
    if shown is None:
        ctx.summary.append("matcher: no suggestions yet (is the matcher consuming the event streams?)")
        return
    ctx.summary.append(f"matcher: top suggestions for {shown['display_name']}:")
    best: dict[str, dict[str, Any]] = {}
    for item in found[shown["id"]]:
        best.setdefault(item["kind"], item)
    for kind, item in best.items():
        reasons = "; ".join(r["text"] for r in item["reasons"][:3])
        who = item.get("candidate_name") or item["candidate_id"]
        ctx.summary.append(f"  {kind}: {who} ({item['score']:.2f}) - {reasons}")
    # Issue 12: that learner asks their best mentor, who accepts; a session; a close with a rating.
    async with httpx.AsyncClient(base_url=ctx.urls["matcher"], timeout=30) as client:
        await run_mentorship(client, ctx, shown, found[shown["id"]])
