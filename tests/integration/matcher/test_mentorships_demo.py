"""The demo's mentorship walk (issue 12's "done"): request, accept, session, close, and after."""

from __future__ import annotations

import pytest

from peerlearn.demo import DemoContext
from peerlearn_matcher.demo_mentorship import run_mentorship

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_demo_walks_one_mentorship_to_its_close(matcher: Harness) -> None:
    org = new_org()
    mentor = await matcher.upsert(
        person(
            org,
            "Dee Mentor",
            have={"graphql": 5},
            roles=("mentor",),
            mentor_capacity=1,
            timezone="Europe/Paris",
        )
    )
    learner = await matcher.upsert(person(org, "Dan Learner", want={"graphql": 1}, timezone="Europe/Lisbon"))
    people = [
        {
            "id": p.id,
            "display_name": p.display_name,
            "roles": list(p.roles),
            "token": matcher.headers(p)["Authorization"][7:],
        }
        for p in (mentor, learner)
    ]
    ctx = DemoContext(urls={}, admin_token="", people=people)
    items = await matcher.suggestions(learner)
    await run_mentorship(matcher.client, ctx, people[1], items)
    text = "\n".join(ctx.summary)
    assert "Dan Learner asked Dee Mentor" in text, text
    for step in ("accepted by the mentor", "a session logged", "closed with a rating of 5"):
        assert f"mentorship {step}" in text, text
    assert text.count("proposed: ") == 3 and "(Europe/Lisbon) = " in text
    assert "failed" not in text
    [closed] = (
        await matcher.client.get(f"/v1/people/{learner.id}/mentorships", headers=matcher.headers(learner))
    ).json()["items"]
    assert (closed["status"], closed["rating"], closed["session_count"]) == ("closed", 5, 1)
