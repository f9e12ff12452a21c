"""The demo loader fills the forum through its public API from the profiles step's context."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.demo import DemoContext
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN
from peerlearn.testing.servers import NatsServer
from peerlearn_forum.demo import load_demo

from .conftest import Forum, started_forum

pytestmark = pytest.mark.asyncio(loop_scope="module")

SKILLS = ["Python", "SQL", "Kubernetes", "React", "Negotiation", "Machine learning"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo_forum(
    module_nats: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Forum]:
    tmp = tmp_path_factory.mktemp("demo")
    async with started_forum(f"sqlite+aiosqlite:///{tmp / 'f.db'}", module_nats.url, tmp) as f:
        yield f


async def test_demo_loads_spaces_threads_posts_and_acceptances(demo_forum: Forum) -> None:
    f = demo_forum
    people = []
    for i in range(24):
        org = f"org-{i % 3}"
        roles = ("org_admin",) if i < 3 else ("learner",)
        person = await f.person(org, *roles, name=f"Demo Person {i}")
        skills = [
            {"name": SKILLS[(i + k) % len(SKILLS)], "level": 1 + (i + k) % 5, "wants": k == 0}
            for k in range(3)
        ]
        people.append(
            {
                "id": person.id,
                "org_id": org,
                "display_name": person.name,
                "roles": list(roles),
                "skills": skills,
                "goal": "Grow in my job",
                "token": person.headers["Authorization"][7:],
            }
        )
    cohort = await f.cohort("org-0", "org-1")
    members = [p for p in people if p["org_id"] in ("org-0", "org-1")][:8]
    for p in members:
        await f.publish(events.CohortMemberAdded(cohort_id=cohort, person_id=p["id"], org_id=p["org_id"]))
    ctx = DemoContext(urls={"forum": "http://testserver"}, admin_token=TEST_ADMIN_TOKEN, people=people)
    ctx.extra["forum_thread_count"] = (
        60  # the full 300 are the generator's unit test and `peerlearn up --demo`
    )
    ctx.extra["orgs"] = [
        {"id": f"org-{i}", "name": f"Org {i}", "kind": "partner", "admin_token": people[i]["token"]}
        for i in range(3)
    ]
    ctx.extra["cohorts"] = [
        {
            "id": cohort,
            "name": "Demo cohort",
            "owner_org_id": "org-0",
            "member_org_ids": ["org-0", "org-1"],
            "member_person_ids": [p["id"] for p in members],
        }
    ]

    await load_demo(ctx, client=f.client)

    assert len(ctx.extra["spaces"]) == 5  # community, three orgs, one cohort
    threads = ctx.extra["threads"]
    assert len(threads) == 60
    assert any(t["kind"] == "resource" for t in threads)
    accepted = [t for t in threads if t["accepted_post_id"]]
    assert len(accepted) > 10
    assert ctx.summary and "60 threads" in ctx.summary[0]
    # What the demo wrote reads back through the API, with names from the read model.
    sample = accepted[0]
    asker = next(p for p in people if p["id"] == sample["asker_id"])
    view = (
        await f.client.get(
            f"/v1/threads/{sample['id']}", headers={"Authorization": f"Bearer {asker['token']}"}
        )
    ).json()
    assert view["accepted_post_id"] == sample["accepted_post_id"]
    assert all(p["author"]["display_name"].startswith("Demo Person") for p in view["posts"])
    admin = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
    total_posts = 0
    for space in ctx.extra["spaces"]:
        cursor = ""
        while True:
            page = (
                await f.client.get(f"/v1/spaces/{space['id']}/threads?limit=100{cursor}", headers=admin)
            ).json()
            total_posts += sum(t["post_count"] for t in page["items"])
            if not page["next_cursor"]:
                break
            cursor = f"&cursor={page['next_cursor']}"
    assert 120 <= total_posts <= 240
