"""The learning record: each act kept once per person, read by the person, their org's admins
and the platform admin (others 404), titles only where the reader may look; JSON and xAPI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.events import matcher as mentorship

from .conftest import ADMIN, PUBLIC_URL, Insights, Person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class World:
    asker: Person
    answerer: Person
    colleague: Person
    admin: Person
    other_admin: Person
    thread_id: str
    cohort_thread_id: str
    cohort_id: str
    accepted_event: events.Event


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(insights: Insights) -> World:
    org, other = "o-" + uuid.uuid4().hex[:8], "o-" + uuid.uuid4().hex[:8]
    asker, answerer, colleague = [await insights.person(org) for _ in range(3)]
    admin = await insights.person(org, roles=("org_admin",))
    other_admin = await insights.person(other, roles=("org_admin",))
    stranger = await insights.person(other)
    thread_id = await insights.thread(asker, title="How do I profile pandas?", tags=("pandas", "python"))
    post_id = await insights.answer(thread_id, answerer, asker)
    await insights.answer(thread_id, asker, asker)  # the asker's own follow-up: a comment
    accepted = await insights.publish(
        events.AnswerAccepted(
            thread_id=thread_id,
            post_id=post_id,
            answer_author_id=answerer.id,
            asker_id=asker.id,
            space_id="s-1",
            visibility="org",
            org_id=org,
            title="How do I profile pandas?",
        )
    )
    for voter in (asker, colleague):
        await insights.publish(
            events.PostVoted(
                thread_id=thread_id,
                post_id=post_id,
                voter_id=voter.id,
                author_id=answerer.id,
                value=1,
                score=1,
            )
        )
    # A cohort the answerer is in (their org is not): their admin does not see its threads.
    cohort_id = "c-" + uuid.uuid4().hex[:8]
    await insights.publish(events.CohortMemberAdded(cohort_id=cohort_id, person_id=answerer.id, org_id=org))
    await insights.publish(events.CohortMemberAdded(cohort_id=cohort_id, person_id=stranger.id, org_id=other))
    cohort_thread = "t-" + uuid.uuid4().hex[:10]
    await insights.publish(
        events.ThreadCreated(
            thread_id=cohort_thread,
            space_id="s-2",
            visibility="cohort",
            cohort_id=cohort_id,
            author_id=stranger.id,
            kind="question",
            title="A cohort-only question",
        )
    )
    await insights.answer(cohort_thread, answerer, stranger, visibility="cohort")
    await insights.publish(
        mentorship.MentorshipSessionLogged(
            mentorship_id="m-1",
            mentee_id=asker.id,
            mentor_id=answerer.id,
            session_id="ms-1",
            at=datetime(2026, 3, 2, 10, tzinfo=UTC),
            minutes=45,
        )
    )
    # A redelivery of the acceptance (same event id) changes nothing.
    await insights.publish(accepted.data, event_id=accepted.id)
    await insights.settle()
    return World(
        asker, answerer, colleague, admin, other_admin, thread_id, cohort_thread, cohort_id, accepted
    )


async def test_each_act_is_kept_once_with_whom(insights: Insights, world: World) -> None:
    response = await insights.record(world.answerer, world.answerer.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tally"] == {
        "answered": 2,
        "answer_accepted": 1,
        "upvote_received": 2,
        "joined_group": 1,
        "mentored": 1,
    }
    assert body["upvotes_received"] == 2
    assert "upvote_received" not in {e["verb"] for e in body["entries"]}
    mentored = next(e for e in body["entries"] if e["verb"] == "mentored")
    assert (mentored["with_person"], mentored["minutes"]) == (world.asker.id, 45)
    asked = (await insights.record(world.asker, world.asker.headers)).json()
    assert asked["tally"] == {"asked": 1, "commented": 1, "accepted": 1, "upvoted": 1, "attended": 1}
    first = next(e for e in asked["entries"] if e["verb"] == "asked")
    assert (first["verb"], first["title"], first["tags"]) == (
        "asked",
        "How do I profile pandas?",
        ["pandas", "python"],
    )


async def test_titles_only_where_the_reader_may_look(insights: Insights, world: World) -> None:
    def titles(body: dict) -> dict[str, str | None]:
        return {e["thread_id"]: e["title"] for e in body["entries"] if e["verb"] == "answered"}

    own = titles((await insights.record(world.answerer, world.answerer.headers)).json())
    by_admin = titles((await insights.record(world.answerer, world.admin.headers)).json())
    by_platform = titles((await insights.record(world.answerer, ADMIN)).json())
    assert own[world.cohort_thread_id] == "A cohort-only question"
    assert by_admin[world.cohort_thread_id] is None
    assert by_admin[world.thread_id] == "How do I profile pandas?"
    assert by_platform == own


@pytest.mark.parametrize(
    ("reader", "status"),
    [
        ("self", 200),
        ("colleague", 404),
        ("admin", 200),
        ("other_admin", 404),
        ("anonymous", 401),
        ("platform", 200),
    ],
)
async def test_who_may_read_a_record(insights: Insights, world: World, reader: str, status: int) -> None:
    headers = {
        "self": world.asker.headers,
        "colleague": world.colleague.headers,
        "admin": world.admin.headers,
        "other_admin": world.other_admin.headers,
        "anonymous": {},
        "platform": ADMIN,
    }[reader]
    assert (await insights.record(world.asker, headers)).status_code == status


async def test_window_and_bad_parameters(insights: Insights, world: World) -> None:
    march = await insights.record(
        world.asker, world.asker.headers, **{"from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    )
    assert march.status_code == 200, march.text
    assert [e["verb"] for e in march.json()["entries"]] == ["attended"]
    backwards = await insights.record(
        world.asker, world.asker.headers, **{"from": "2026-03-03T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    )
    assert backwards.status_code == 400
    assert (await insights.record(world.asker, world.asker.headers, format="csv")).status_code == 400
    assert (
        await insights.record(world.asker, world.asker.headers, **{"from": "yesterday"})
    ).status_code == 400


async def test_xapi_statements(insights: Insights, world: World) -> None:
    response = await insights.record(world.asker, world.asker.headers, format="xapi")
    assert response.status_code == 200, response.text
    statements = response.json()["statements"]
    verbs = [s["verb"]["id"] for s in statements]
    assert "http://adlnet.gov/expapi/verbs/asked" in verbs
    assert "http://activitystrea.ms/schema/1.0/accept" in verbs
    assert "http://adlnet.gov/expapi/verbs/attended" in verbs
    for s in statements:
        assert s["actor"] == {
            "objectType": "Agent",
            "account": {"homePage": PUBLIC_URL, "name": world.asker.id},
        }
        assert s["object"]["id"].startswith(PUBLIC_URL + "/")
        assert str(uuid.UUID(s["id"])) == s["id"]
    asked = next(s for s in statements if s["verb"]["id"].endswith("/asked"))
    assert [a["id"] for a in asked["context"]["contextActivities"]["other"]] == [
        f"{PUBLIC_URL}/tags/pandas",
        f"{PUBLIC_URL}/tags/python",
    ]
    again = (await insights.record(world.asker, world.asker.headers, format="xapi")).json()["statements"]
    assert [s["id"] for s in again] == [s["id"] for s in statements]
