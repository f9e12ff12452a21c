"""The matcher's demo of a mentorship, end to end, through the public API as the two would use it.

A demo learner accepts their best mentor suggestion, the mentor accepts the request (the
introduction with proposed first-session times), the learner logs a session, the mentor closes
the mentorship with a rating, and the learner's suggestions are read again. Every step goes in
the demo summary; a step that fails says so and stops (the rest of the demo goes on).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from peerlearn.demo import DemoContext


def _auth(person: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {person['token']}"}


async def run_mentorship(
    client: httpx.AsyncClient, ctx: DemoContext, learner: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    """Walk one mentorship from the learner's accept to its close; report each step."""
    people = {p["id"]: p for p in ctx.people if p.get("token")}
    offer = next((s for s in items if s["kind"] == "mentor" and s["candidate_id"] in people), None)
    if offer is None:
        ctx.summary.append("matcher: no mentor suggestion to demo a mentorship with")
        return
    mentor = people[offer["candidate_id"]]
    accepted = await client.post(
        f"/v1/suggestions/{offer['id']}/feedback", json={"action": "accept"}, headers=_auth(learner)
    )
    if accepted.status_code != 200:
        ctx.summary.append(f"matcher: the mentorship request failed ({accepted.status_code})")
        return
    listed = await client.get(f"/v1/people/{learner['id']}/mentorships", headers=_auth(learner))
    found = [m for m in listed.json().get("items", []) if m["mentor"]["person_id"] == mentor["id"]]
    if not found:
        ctx.summary.append("matcher: the mentorship request is not listed")
        return
    mid = found[0]["id"]
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    steps: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = [
        ("accepted by the mentor", f"/v1/mentorships/{mid}/accept", mentor, None),
        (
            "a session logged",
            f"/v1/mentorships/{mid}/sessions",
            learner,
            {"at": at, "minutes": 45, "topics": []},
        ),
        ("closed with a rating of 5", f"/v1/mentorships/{mid}/close", mentor, {"rating": 5}),
    ]
    ctx.summary.append(
        f"matcher: {learner['display_name']} asked {offer.get('candidate_name') or mentor['id']}"
    )
    for label, path, who, body in steps:
        response = await client.post(path, json=body, headers=_auth(who))
        if response.status_code not in (200, 201):
            ctx.summary.append(f"matcher: mentorship step '{label}' failed ({response.status_code})")
            return
        ctx.summary.append(f"  mentorship {label}")
        if label.startswith("accepted"):
            for proposal in response.json().get("proposed_times", []):
                ctx.summary.append(f"    proposed: {proposal['mentee_local']} = {proposal['mentor_local']}")
    after = await client.get(
        f"/v1/people/{learner['id']}/suggestions", params={"kind": "mentor"}, headers=_auth(learner)
    )
    count = len(after.json().get("items", [])) if after.status_code == 200 else 0
    ctx.summary.append(f"  afterwards {count} mentor suggestions (the closed mentor is not suggested again)")
