"""xAPI out, against a real LRS (Ralph, file-system backend): each learning act reaches the
person's org's LRS (or the default one) once, as the statement the record shows; a private
thread's title never reaches another org's LRS; an LRS that is down gets everything once it is
back; a refusal is kept as failed, holds up no other org, and is retried when the LRS is set
anew; the admin sees how delivery stands."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.events import matcher as mentorship
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.lrs import RalphLrs
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.waiting import eventually
from peerlearn_insights.app import create_app

from .conftest import ADMIN, PUBLIC_URL, Insights, Person, insights_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def insights(
    module_database_url: str,
    module_nats: NatsServer,
    ralph_lrs: RalphLrs,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Insights]:
    """An insights whose default LRS is Ralph's ``platform`` store, with a quick sender."""
    platform = ralph_lrs.users["platform"]
    settings = insights_settings(
        tmp_path_factory.mktemp("var"),
        module_nats.url,
        xapi_endpoint=ralph_lrs.endpoint + "/",
        xapi_username=platform.username,
        xapi_password=platform.password,
        xapi_batch_size=4,
        xapi_poll_seconds=0.05,
        xapi_retry_seconds=0.1,
        xapi_max_backoff_seconds=0.5,
        xapi_timeout_seconds=5.0,
    )
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    app = create_app(settings, database=database)
    bus = Bus(module_nats.url, name="insights-xapi-test")
    async with app_client(app) as client:
        await bus.connect(timeout=10)
        try:
            yield Insights(client=client, database=database, bus=bus)
        finally:
            await bus.close()


def new_org() -> str:
    return "o-" + uuid.uuid4().hex[:8]


async def own_lrs(insights: Insights, ralph: RalphLrs, admin: Person, user: str, **changes: str) -> None:
    """The org of ``admin`` sends to Ralph's store of ``user``."""
    body = {"endpoint": ralph.endpoint, "username": user, "password": ralph.users[user].password, **changes}
    response = await insights.client.put(f"/v1/orgs/{admin.org_id}/lrs", json=body, headers=admin.headers)
    assert response.status_code == 200, response.text


async def delivery(insights: Insights, org_id: str) -> dict[str, Any]:
    response = await insights.client.get(f"/v1/orgs/{org_id}/lrs", headers=ADMIN)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()["delivery"]
    return shown


async def delivered(insights: Insights, org_id: str, count: int, *, within: float = 30) -> dict[str, Any]:
    """Wait until ``count`` statements of the org are sent and none is pending."""

    async def done() -> dict[str, Any]:
        shown = await delivery(insights, org_id)
        return shown if shown["sent"] == count and shown["pending"] == 0 else {}

    return await eventually(done, timeout=within)


def of_people(statements: list[dict[str, Any]], people: list[Person]) -> list[dict[str, Any]]:
    ids = {p.id for p in people}
    return [s for s in statements if s["actor"]["account"]["name"] in ids]


async def record_statements(insights: Insights, person: Person) -> list[dict[str, Any]]:
    response = await insights.record(person, ADMIN, format="xapi")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["statements"]
    return found


async def test_each_act_reaches_its_orgs_lrs_once(insights: Insights, ralph_lrs: RalphLrs) -> None:
    org, other = new_org(), new_org()
    admin = await insights.person(org, roles=("org_admin",))
    asker, answerer = await insights.person(org), await insights.person(org)
    outsider = await insights.person(other)  # their org set no LRS: the default gets theirs
    await insights.settle()
    await own_lrs(insights, ralph_lrs, admin, "org-a")
    thread = await insights.thread(asker, title="How do I profile pandas?", tags=("pandas", "python"))
    post = await insights.answer(thread, answerer, asker)
    accepted = await insights.publish(
        events.AnswerAccepted(
            thread_id=thread,
            post_id=post,
            answer_author_id=answerer.id,
            asker_id=asker.id,
            space_id="s-1",
            visibility="org",
            org_id=org,
            title="How do I profile pandas?",
        )
    )
    await insights.publish(
        events.PostVoted(
            thread_id=thread, post_id=post, voter_id=asker.id, author_id=answerer.id, value=1, score=1
        )
    )
    await insights.publish(
        mentorship.MentorshipSessionLogged(
            mentorship_id="m-" + uuid.uuid4().hex[:6],
            mentee_id=asker.id,
            mentor_id=answerer.id,
            session_id="ms-1",
            at=accepted.occurred_at,
            minutes=30,
        )
    )
    await insights.thread(outsider, visibility="public", title="Anyone into Rust?", tags=("rust",))
    # The acceptance delivered again (same event id): still one statement per act.
    await insights.publish(accepted.data, event_id=accepted.id)
    await insights.settle()
    # asked, answered, answer_accepted, accepted, mentored, attended (upvotes are not sent).
    shown = await delivered(insights, org, 6)
    assert (shown["failed"], shown["last_error"]) == (0, None)
    await delivered(insights, other, 1)

    in_lrs = of_people(ralph_lrs.statements("org-a"), [asker, answerer])
    expected = await record_statements(insights, asker) + await record_statements(insights, answerer)
    assert len(in_lrs) == 6
    assert sorted(s["id"] for s in in_lrs) == sorted(s["id"] for s in expected)
    by_id = {s["id"]: s for s in in_lrs}
    for made in expected:
        stored = by_id[made["id"]]
        assert stored["actor"] == made["actor"]
        assert set(stored["actor"]["account"]) == {"homePage", "name"}
        assert stored["actor"]["account"]["homePage"] == PUBLIC_URL
        assert "mbox" not in str(stored) and "@" not in str(stored["actor"])
        assert (stored["verb"], stored["object"]) == (made["verb"], made["object"])
        assert stored.get("context") == made.get("context")
    asked = next(s for s in in_lrs if s["verb"]["id"].endswith("/asked"))
    assert asked["verb"]["id"] == "http://adlnet.gov/expapi/verbs/asked"
    assert asked["object"] == {
        "objectType": "Activity",
        "id": f"{PUBLIC_URL}/threads/{thread}",
        "definition": {"name": {"en": "How do I profile pandas?"}},
    }
    assert [a["id"] for a in asked["context"]["contextActivities"]["other"]] == [
        f"{PUBLIC_URL}/tags/pandas",
        f"{PUBLIC_URL}/tags/python",
    ]
    verbs = sorted(s["verb"]["id"] for s in in_lrs)
    assert verbs == sorted(
        [
            "http://adlnet.gov/expapi/verbs/asked",
            "http://adlnet.gov/expapi/verbs/answered",
            "http://activitystrea.ms/schema/1.0/accept",
            "http://activitystrea.ms/schema/1.0/accept",
            "http://id.tincanapi.com/verb/mentored",
            "http://adlnet.gov/expapi/verbs/attended",
        ]
    )
    # A person's statements go only to their org's LRS.
    assert of_people(ralph_lrs.statements("platform"), [asker, answerer]) == []
    assert [s["verb"]["id"] for s in of_people(ralph_lrs.statements("platform"), [outsider])] == [
        "http://adlnet.gov/expapi/verbs/asked"
    ]
    assert of_people(ralph_lrs.statements("org-a"), [outsider]) == []
