"""Bridging suggestions (issue 13) through the matcher's real event handling: the forum's threads,
answers and acceptances make two circles; once the background task recomputed them, a learner's close
peer of the other circle comes first, saying so, and a clearly worse one of that circle gets the
reason but not past the better peer."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from peerlearn import events
from peerlearn.testing.waiting import eventually
from peerlearn_matcher.domain import circles
from peerlearn_matcher.usecases.circles import run_circles

from .conftest import Harness, accept, answer, new_org, person, thread

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _circle(matcher: Harness, asker: events.PersonProfile, *helpers: events.PersonProfile) -> None:
    """``asker`` asks; every helper answers, the first one's answer is accepted; the second asks back."""
    question = thread(
        asker, f"Where do I start with Kubernetes? {uuid.uuid4().hex[:6]}", tags=("kubernetes",)
    )
    await matcher.publish(question)
    posts = [await answer(matcher, question, h) for h in helpers]
    await accept(matcher, question, posts[0], helpers[0].id)
    back = thread(helpers[1], f"Kubernetes probes? {uuid.uuid4().hex[:6]}", tags=("kubernetes",))
    await matcher.publish(back)
    await answer(matcher, back, helpers[0])


async def test_a_close_peer_of_another_circle_is_put_first_with_the_reason(matcher: Harness) -> None:
    org = new_org()
    wants = {"Kubernetes": 1}

    def learner(name: str, timezone: str) -> events.PersonProfile:
        return person(org, name, want=wants, timezone=timezone, weekly_hours=30)

    def helper(name: str) -> events.PersonProfile:
        return person(org, name, have={"Kubernetes": 4}, roles=("learner",))

    me = await matcher.upsert(learner("Mia Me", "UTC"))
    near = await matcher.upsert(learner("Nora Near", "UTC"))  # the best fit: same hours as mine
    # Four hours ahead: 25 of 30 h/week overlap, 0.025 below Nora under the default weights.
    far = await matcher.upsert(learner("Fay Far", "Etc/GMT-4"))
    # Twelve hours ahead: no overlapping hours, 0.15 below Nora: not a close fit (more than the bonus).
    worse = await matcher.upsert(learner("Will Worse", "Etc/GMT-12"))
    ann, ben = await matcher.upsert(helper("Ann Helper")), await matcher.upsert(helper("Ben Helper"))
    await _circle(matcher, me, ann, near)  # Mia, Ann and Nora learn together
    await _circle(matcher, far, ben, worse)  # Fay, Ben and Will learn together

    assert not matcher.engine.circles.apart(me.id, far.id)  # not recomputed yet: no nudge
    before = await matcher.suggestions(me, "peer")
    assert [s["candidate_id"] for s in before][:1] == [near.id]

    # The background recomputation as the app runs it, only sooner (the app's waits 10 minutes).
    task = asyncio.create_task(run_circles(matcher.parts, every=0.1, check=0.05))
    try:

        async def recomputed() -> bool:
            return matcher.engine.circles.apart(me.id, far.id)

        await eventually(recomputed, timeout=20)
        assert not matcher.engine.circles.apart(me.id, near.id)

        async def refreshed() -> bool:  # the background refresher took the moved people's lists
            return matcher.parts.idle and not matcher.parts.backlog.pending

        await eventually(refreshed, timeout=20)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    peers = await matcher.suggestions(me, "peer")
    order = [s["candidate_id"] for s in peers]
    assert order[:2] == [far.id, near.id]
    texts = {s["candidate_id"]: [r["text"] for r in s["reasons"]] for s in peers}
    assert "you are in different circles: someone new to learn Kubernetes with" in texts[far.id]
    score = {s["candidate_id"]: s["score"] for s in peers}
    assert score[far.id] - circles.BONUS < score[near.id]  # by fit alone Fay is second
    assert order.index(worse.id) > order.index(near.id)
    assert any(t.startswith("you are in different circles") for t in texts[worse.id])
    assert not any("circles" in t for t in texts[near.id])
