"""xAPI out when things go wrong, against a real LRS (Ralph): stopped mid-stream while acts keep
coming, it gets every statement once when back; a 401 is kept as failed with the answer and
retried when the admin sets the LRS again; a dead LRS waits with back-off; neither holds up
another org; an id the LRS already holds (409) counts as sent."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from peerlearn import events
from peerlearn.runner import free_port
from peerlearn.testing.lrs import RalphLrs
from peerlearn.testing.waiting import eventually
from peerlearn_insights.domain.xapi import statement_id

from .conftest import (
    PUBLIC_URL,
    Insights,
    delivered,
    delivery,
    new_org,
    of_people,
    org_with_lrs,
    own_lrs,
    record_statements,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_lrs_down_mid_stream_gets_everything_once_back(
    lrs_insights: Insights, ralph_lrs: RalphLrs
) -> None:
    org, _admin, learner = await org_with_lrs(lrs_insights, ralph_lrs, "org-a")
    acts = 24
    stopped = asyncio.Event()

    async def keep_asking() -> None:
        for n in range(acts):
            await lrs_insights.thread(learner, title=f"Question {n}")
            await asyncio.sleep(0.05)
            if n == 4:
                await eventually(lambda: _some_sent(lrs_insights, org))
                await asyncio.to_thread(ralph_lrs.stop)  # mid-stream: acts keep coming
                stopped.set()

    await keep_asking()
    await lrs_insights.settle()
    assert stopped.is_set()

    async def waiting_with_error() -> bool:
        shown = await delivery(lrs_insights, org)
        return shown["pending"] > 0 and shown["last_error"] is not None

    await eventually(waiting_with_error)
    await asyncio.to_thread(ralph_lrs.start)
    shown = await delivered(lrs_insights, org, acts)
    assert shown["failed"] == 0
    stored = of_people(ralph_lrs.statements("org-a"), [learner])
    expected = await record_statements(lrs_insights, learner)
    assert len(stored) == acts
    assert sorted(s["id"] for s in stored) == sorted(s["id"] for s in expected)


async def _some_sent(lrs_insights: Insights, org_id: str) -> bool:
    return bool((await delivery(lrs_insights, org_id))["sent"] >= 2)


async def test_a_refusing_or_dead_lrs_holds_up_no_other_org(
    lrs_insights: Insights, ralph_lrs: RalphLrs
) -> None:
    refused_org, dead_org, fine_org = new_org(), new_org(), new_org()
    refused_admin = await lrs_insights.person(refused_org, roles=("org_admin",))
    dead_admin = await lrs_insights.person(dead_org, roles=("org_admin",))
    fine_admin = await lrs_insights.person(fine_org, roles=("org_admin",))
    refused, dead, fine = [await lrs_insights.person(o) for o in (refused_org, dead_org, fine_org)]
    await lrs_insights.settle()
    await own_lrs(lrs_insights, ralph_lrs, refused_admin, "org-b", password="not-the-password")
    nobody = f"http://127.0.0.1:{free_port()}/xAPI"
    await own_lrs(lrs_insights, ralph_lrs, dead_admin, "org-b", endpoint=nobody)
    await own_lrs(lrs_insights, ralph_lrs, fine_admin, "org-a")
    for n in range(3):
        for person in (refused, dead, fine):
            await lrs_insights.thread(person, title=f"Question {n}")
    await lrs_insights.settle()

    await delivered(lrs_insights, fine_org, 3)
    # 401 is a refusal for good: kept as failed with the LRS's answer.
    refusals = await eventually(lambda: _failed(lrs_insights, refused_org, 3))
    assert refusals["last_error"].startswith("401"), refusals
    # Nothing listens there: waiting, retried with back-off, saying why.
    waiting = await eventually(lambda: _tried(lrs_insights, dead_org))
    assert (waiting["sent"], waiting["failed"], waiting["pending"]) == (0, 0, 3)
    assert "no answer" in waiting["last_error"]
    assert of_people(ralph_lrs.statements("org-b"), [refused, dead]) == []

    # The admin fixes the password: the refused statements are sent, once.
    await own_lrs(lrs_insights, ralph_lrs, refused_admin, "org-b")
    await delivered(lrs_insights, refused_org, 3)
    assert len(of_people(ralph_lrs.statements("org-b"), [refused])) == 3


async def _tried(lrs_insights: Insights, org_id: str) -> dict[str, Any]:
    shown = await delivery(lrs_insights, org_id)
    return shown if shown["last_error"] is not None else {}


async def _failed(lrs_insights: Insights, org_id: str, count: int) -> dict[str, Any]:
    shown = await delivery(lrs_insights, org_id)
    return shown if shown["failed"] == count and shown["pending"] == 0 else {}


async def test_an_id_the_lrs_already_holds_counts_as_sent(
    lrs_insights: Insights, ralph_lrs: RalphLrs
) -> None:
    org, _admin, learner = await org_with_lrs(lrs_insights, ralph_lrs, "org-a")
    # The LRS already holds a (different) statement with the id the second question will get:
    # it answers 409 for any batch with it, and the others of the batch still get in.
    taken = events.new_id()
    earlier = {
        "id": statement_id(f"{taken}:asked"),
        "actor": {"objectType": "Agent", "account": {"homePage": PUBLIC_URL, "name": learner.id}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"objectType": "Activity", "id": f"{PUBLIC_URL}/elsewhere"},
    }
    posted = ralph_lrs.post("org-a", [earlier])
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
        await lrs_insights.publish(data, event_id=taken if n == 1 else None)
    await lrs_insights.settle()
    shown = await delivered(lrs_insights, org, 3)
    assert shown["failed"] == 0
    stored = of_people(ralph_lrs.statements("org-a"), [learner])
    assert len(stored) == 3 and len({s["id"] for s in stored}) == 3
    assert sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in stored) == ["asked", "asked", "experienced"]


async def test_an_erased_persons_statements_are_never_sent(
    lrs_insights: Insights, ralph_lrs: RalphLrs
) -> None:
    org = new_org()
    admin = await lrs_insights.person(org, roles=("org_admin",))
    erased, kept = await lrs_insights.person(org), await lrs_insights.person(org)
    await lrs_insights.settle()
    # The org's LRS is unreachable for now: the statements wait.
    await own_lrs(lrs_insights, ralph_lrs, admin, "org-b", endpoint=f"http://127.0.0.1:{free_port()}/xAPI")
    for person in (erased, kept):
        await lrs_insights.thread(person, title="Before the erasure")
    await lrs_insights.settle()
    assert (await delivery(lrs_insights, org))["pending"] == 2
    await lrs_insights.publish(events.PersonDeleted(person_id=erased.id, org_id=org))
    await lrs_insights.settle()
    assert (await delivery(lrs_insights, org))["pending"] == 1
    await own_lrs(lrs_insights, ralph_lrs, admin, "org-b")
    await delivered(lrs_insights, org, 1)
    assert of_people(ralph_lrs.statements("org-b"), [erased]) == []
    assert len(of_people(ralph_lrs.statements("org-b"), [kept])) == 1


async def test_a_batch_posted_again_after_a_crash_is_stored_once(
    lrs_insights: Insights, ralph_lrs: RalphLrs
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/xAPI"
    org, admin, learner = await org_with_lrs(lrs_insights, ralph_lrs, "org-b", endpoint=nobody)
    for n in range(3):
        await lrs_insights.thread(learner, title=f"Posted before the crash {n}", tags=("crash",))
    await lrs_insights.settle()
    # As if a sender had posted these and died before marking them sent: the LRS has them.
    statements = await record_statements(lrs_insights, learner)
    posted = ralph_lrs.post("org-b", statements)
    assert posted.status_code == 200, posted.text
    await own_lrs(lrs_insights, ralph_lrs, admin, "org-b")
    shown = await delivered(lrs_insights, org, 3)
    assert shown["failed"] == 0
    stored = of_people(ralph_lrs.statements("org-b"), [learner])
    assert sorted(s["id"] for s in stored) == sorted(s["id"] for s in statements)
