"""xAPI out, against a real LRS (Ralph, file-system backend): each learning act reaches the
person's org's LRS (or the default one) once, as the statement the record shows; a private
thread's title never reaches another org's LRS; an LRS that is down gets everything once it is
back; a refusal is kept as failed, holds up no other org, and is retried when the LRS is set
anew; the admin sees how delivery stands."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.events import matcher as mentorship
from peerlearn.runner import free_port
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.lrs import RalphLrs
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.waiting import eventually
from peerlearn_insights.app import create_app
from peerlearn_insights.domain.xapi import statement_id

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


def texts(statements: list[dict[str, Any]]) -> str:
    return " ".join(str(s) for s in statements)


async def test_a_private_title_never_reaches_another_orgs_lrs(
    insights: Insights, ralph_lrs: RalphLrs
) -> None:
    org_a, org_b, org_c = new_org(), new_org(), new_org()
    admin_a = await insights.person(org_a, roles=("org_admin",))
    admin_b = await insights.person(org_b, roles=("org_admin",))
    a1, b1, c1 = await insights.person(org_a), await insights.person(org_b), await insights.person(org_c)
    # A cohort org A is in; b1 is a member of it on their own (org B is not in it).
    cohort = "c-" + uuid.uuid4().hex[:8]
    await insights.publish(events.CohortCreated(cohort_id=cohort, name="K", owner_org_id=org_a))
    await insights.publish(events.CohortOrgJoined(cohort_id=cohort, org_id=org_a))
    await insights.publish(events.CohortMemberAdded(cohort_id=cohort, person_id=a1.id, org_id=org_a))
    await insights.publish(events.CohortMemberAdded(cohort_id=cohort, person_id=b1.id, org_id=org_b))
    await insights.settle()
    await own_lrs(insights, ralph_lrs, admin_a, "org-a")
    await own_lrs(insights, ralph_lrs, admin_b, "org-b")
    secret = "Cohort plans " + uuid.uuid4().hex[:6]
    cohort_thread = "t-" + uuid.uuid4().hex[:10]
    await insights.publish(
        events.ThreadCreated(
            thread_id=cohort_thread,
            space_id="s-k",
            visibility="cohort",
            cohort_id=cohort,
            author_id=a1.id,
            kind="question",
            title=secret,
            tags=["k-only"],
        )
    )
    await insights.answer(cohort_thread, b1, a1, visibility="cohort")
    private_a = "A private matter " + uuid.uuid4().hex[:6]
    await insights.thread(a1, title=private_a)
    public_b = "A public question " + uuid.uuid4().hex[:6]
    await insights.thread(b1, visibility="public", title=public_b)
    private_c = "C private matter " + uuid.uuid4().hex[:6]
    public_c = "C public question " + uuid.uuid4().hex[:6]
    await insights.thread(c1, title=private_c)
    await insights.thread(c1, visibility="public", title=public_c)
    await insights.settle()
    # a1: joined the group, asked twice; b1: joined, answered, asked; c1: asked twice.
    await delivered(insights, org_a, 3)
    await delivered(insights, org_b, 3)
    await delivered(insights, org_c, 2)

    in_a = of_people(ralph_lrs.statements("org-a"), [a1])
    in_b = of_people(ralph_lrs.statements("org-b"), [b1])
    in_default = of_people(ralph_lrs.statements("platform"), [c1])
    # Org A sees its cohort's thread and its own: both titles, the cohort's tags.
    assert secret in texts(in_a) and private_a in texts(in_a) and "/tags/k-only" in texts(in_a)
    # Org B is not in the cohort: b1's answer there goes to B's LRS without its title or tags.
    answered = [s for s in in_b if s["verb"]["id"].endswith("/answered")]
    assert [s["object"] for s in answered] == [
        {"objectType": "Activity", "id": f"{PUBLIC_URL}/threads/{cohort_thread}"}
    ]
    assert "context" not in answered[0]
    assert public_b in texts(in_b)
    # The default LRS (many orgs' statements) gets public titles only.
    assert public_c in texts(in_default) and private_c not in texts(in_default)
    everything = {user: texts(ralph_lrs.statements(user)) for user in ("org-a", "org-b", "platform")}
    for title, home in ((secret, "org-a"), (private_a, "org-a"), (private_c, None)):
        for user, text in everything.items():
            assert (title in text) == (user == home), (title, user)
    # Org C set no LRS: its admin sees the default one it uses, without its username.
    shown = await insights.client.get(f"/v1/orgs/{org_c}/lrs", headers=ADMIN)
    assert shown.status_code == 200, shown.text
    assert {k: shown.json()[k] for k in ("endpoint", "username", "source")} == {
        "endpoint": ralph_lrs.endpoint,
        "username": None,
        "source": "default",
    }
    assert ralph_lrs.users["platform"].password not in shown.text


async def test_an_lrs_down_mid_stream_gets_everything_once_back(
    insights: Insights, ralph_lrs: RalphLrs
) -> None:
    org = new_org()
    admin, learner = await insights.person(org, roles=("org_admin",)), await insights.person(org)
    await insights.settle()
    await own_lrs(insights, ralph_lrs, admin, "org-a")
    acts = 24
    stopped = asyncio.Event()

    async def keep_asking() -> None:
        for n in range(acts):
            await insights.thread(learner, title=f"Question {n}")
            await asyncio.sleep(0.05)
            if n == 4:
                await eventually(lambda: _some_sent(insights, org))
                await asyncio.to_thread(ralph_lrs.stop)  # mid-stream: acts keep coming
                stopped.set()

    await keep_asking()
    await insights.settle()
    assert stopped.is_set()

    async def waiting_with_error() -> bool:
        shown = await delivery(insights, org)
        return shown["pending"] > 0 and shown["last_error"] is not None

    await eventually(waiting_with_error)
    await asyncio.to_thread(ralph_lrs.start)
    shown = await delivered(insights, org, acts)
    assert shown["failed"] == 0
    stored = of_people(ralph_lrs.statements("org-a"), [learner])
    expected = await record_statements(insights, learner)
    assert len(stored) == acts
    assert sorted(s["id"] for s in stored) == sorted(s["id"] for s in expected)


async def _some_sent(insights: Insights, org_id: str) -> bool:
    return bool((await delivery(insights, org_id))["sent"] >= 2)


async def test_a_refusing_or_dead_lrs_holds_up_no_other_org(insights: Insights, ralph_lrs: RalphLrs) -> None:
    refused_org, dead_org, fine_org = new_org(), new_org(), new_org()
    refused_admin = await insights.person(refused_org, roles=("org_admin",))
    dead_admin = await insights.person(dead_org, roles=("org_admin",))
    fine_admin = await insights.person(fine_org, roles=("org_admin",))
    refused, dead, fine = [await insights.person(o) for o in (refused_org, dead_org, fine_org)]
    await insights.settle()
    await own_lrs(insights, ralph_lrs, refused_admin, "org-b", password="not-the-password")
    nobody = f"http://127.0.0.1:{free_port()}/xAPI"
    await own_lrs(insights, ralph_lrs, dead_admin, "org-b", endpoint=nobody)
    await own_lrs(insights, ralph_lrs, fine_admin, "org-a")
    for n in range(3):
        for person in (refused, dead, fine):
            await insights.thread(person, title=f"Question {n}")
    await insights.settle()

    await delivered(insights, fine_org, 3)
    # 401 is a refusal for good: kept as failed with the LRS's answer.
    refusals = await eventually(lambda: _failed(insights, refused_org, 3))
    assert refusals["last_error"].startswith("401"), refusals
    # Nothing listens there: waiting, retried with back-off, saying why.
    waiting = await delivery(insights, dead_org)
    assert (waiting["sent"], waiting["failed"], waiting["pending"]) == (0, 0, 3)
    assert waiting["last_error"] is not None and "no answer" in waiting["last_error"]
    assert of_people(ralph_lrs.statements("org-b"), [refused, dead]) == []

    # The admin fixes the password: the refused statements are sent, once.
    await own_lrs(insights, ralph_lrs, refused_admin, "org-b")
    await delivered(insights, refused_org, 3)
    assert len(of_people(ralph_lrs.statements("org-b"), [refused])) == 3


async def _failed(insights: Insights, org_id: str, count: int) -> dict[str, Any]:
    shown = await delivery(insights, org_id)
    return shown if shown["failed"] == count and shown["pending"] == 0 else {}


async def test_an_id_the_lrs_already_holds_counts_as_sent(insights: Insights, ralph_lrs: RalphLrs) -> None:
    org = new_org()
    admin, learner = await insights.person(org, roles=("org_admin",)), await insights.person(org)
    await insights.settle()
    await own_lrs(insights, ralph_lrs, admin, "org-a")
    # The LRS already holds a (different) statement with the id the second question will get:
    # it answers 409 for any batch with it, and the others of the batch still get in.
    taken = events.new_id()
    user = ralph_lrs.users["org-a"]
    earlier = {
        "id": statement_id(f"{taken}:asked"),
        "actor": {"objectType": "Agent", "account": {"homePage": PUBLIC_URL, "name": learner.id}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"objectType": "Activity", "id": f"{PUBLIC_URL}/elsewhere"},
    }
    async with httpx.AsyncClient() as client:
        posted = await client.post(
            f"{ralph_lrs.endpoint}/statements",
            json=[earlier],
            auth=(user.username, user.password),
            headers={"X-Experience-API-Version": "1.0.3"},
        )
    assert posted.status_code == 200, posted.text
    for n in range(3):
        data = events.ThreadCreated(
            thread_id="t-" + uuid.uuid4().hex[:10],
            space_id="s-1",
            visibility="org",
            org_id=org,
            author_id=learner.id,
            kind="question",
            title=f"Question {n}",
        )
        await insights.publish(data, event_id=taken if n == 1 else None)
    await insights.settle()
    shown = await delivered(insights, org, 3)
    assert shown["failed"] == 0
    stored = of_people(ralph_lrs.statements("org-a"), [learner])
    assert len(stored) == 3 and len({s["id"] for s in stored}) == 3
    assert sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in stored) == ["asked", "asked", "experienced"]
