"""The demo loader, run against a live profiles service through its public API."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import httpx
import pytest

from peerlearn.auth import TokenVerifier
from peerlearn.demo import DemoContext
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn_profiles.demo import load_demo


def test_the_demo_loads_orgs_people_cohorts_and_tokens_that_work(live_profiles: Any) -> None:
    ctx = DemoContext(urls={"profiles": live_profiles.url}, admin_token=TEST_ADMIN_TOKEN)
    asyncio.run(load_demo(ctx))

    orgs = ctx.extra["orgs"]
    assert Counter(o["kind"] for o in orgs) == {"partner": 3, "community": 1}
    assert 140 <= len(ctx.people) <= 160
    assert len({p["id"] for p in ctx.people}) == len(ctx.people)
    verifier = TokenVerifier(TEST_JWT_SECRET)
    for person in ctx.people:
        principal = verifier.verify(person["token"])
        assert (principal.person_id, principal.org_id) == (person["id"], person["org_id"])
    roles = Counter(role for p in ctx.people for role in p["roles"])
    assert roles["org_admin"] == 4 and roles["mentor"] > 20 and roles["expert"] > 5

    # Goals match wanted skills: a learner's goal is about what they want to learn.
    learners = [p for p in ctx.people if p["roles"] == ["learner"]]
    assert all(any(s["wants"] for s in p["skills"]) for p in learners)

    assert len(ctx.extra["cohorts"]) == 2
    with httpx.Client(base_url=live_profiles.url) as client:
        for cohort in ctx.extra["cohorts"]:
            assert len(cohort["member_org_ids"]) >= 2
            member = next(p for p in ctx.people if p["id"] == cohort["member_person_ids"][0])
            shown = client.get(
                f"/v1/cohorts/{cohort['id']}", headers={"Authorization": f"Bearer {member['token']}"}
            )
            assert shown.status_code == 200
            assert sorted(shown.json()["member_person_ids"]) == sorted(cohort["member_person_ids"])
            assert sorted(shown.json()["member_org_ids"]) == sorted(cohort["member_org_ids"])
        for label, token in ctx.tokens.items():
            assert (
                client.get("/v1/cohorts", headers={"Authorization": f"Bearer {token}"}).status_code == 200
            ), label
    assert any("150 people" in line for line in ctx.summary)
    labelled = {label.split(" (")[0]: verifier.verify(token).roles for label, token in ctx.tokens.items()}
    assert labelled["learner at Northwind Analytics"] == ("learner",)
    assert (
        "mentor" in labelled["mentor at Bluepeak Software"]
        and "expert" not in labelled["mentor at Bluepeak Software"]
    )
    assert "expert" in labelled["expert at Meridian Finance Group"]
    assert "org_admin" in labelled["org admin of Northwind Analytics"]


def test_the_demo_data_is_the_same_every_time() -> None:
    from peerlearn_profiles.demo_data import build_people, roster_csv

    assert roster_csv(build_people()) == roster_csv(build_people())


def test_the_demo_ends_with_sign_in_links_for_a_learner_a_mentor_and_an_org_admin(
    live_profiles: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from peerlearn_profiles.demo import finish_demo

    ctx = DemoContext(urls={"profiles": live_profiles.url}, admin_token=TEST_ADMIN_TOKEN)
    asyncio.run(load_demo(ctx))
    asyncio.run(finish_demo(ctx))
    printed = capsys.readouterr().out
    links = dict(re.findall(r"^  (.+?): (http://127\.0\.0\.1:8000/sign-in/\S+)$", printed, re.MULTILINE))
    assert [label.split(" at ")[0].split(" of ")[0] for label in links] == ["learner", "mentor", "org admin"]
    verifier = TokenVerifier(TEST_JWT_SECRET)
    with httpx.Client(base_url=live_profiles.url) as client:
        for label, url in links.items():
            answer = client.post("/v1/sign-in/verify", json={"code": url.rsplit("/", 1)[1]})
            assert answer.status_code == 200, answer.text
            roles = verifier.verify(answer.json()["token"]).roles
            expected = {"learner": "learner", "mentor": "mentor", "org admin": "org_admin"}
            assert expected[label.split(" at ")[0].split(" of ")[0]] in roles, label
