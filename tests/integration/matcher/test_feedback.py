"""Feedback that learns: after enough accept/decline answers, a fitted model ranks suggestions."""

from __future__ import annotations

import pytest

from peerlearn import events

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_enough_feedback_switches_to_the_learned_ranking(matcher: Harness) -> None:
    model = matcher.engine.model
    saved = model.min_feedback
    model.min_feedback = 4  # the test app needs 1000; this test lowers the bar for itself
    try:
        org = new_org()
        learners = [
            await matcher.upsert(person(org, f"Fee Learner {i}", want={"excel": 1})) for i in range(4)
        ]
        peers = [await matcher.upsert(person(org, f"Fee Peer {i}", want={"excel": 2})) for i in range(2)]
        assert not model.learned
        for i, learner in enumerate(learners):
            offered = await matcher.suggestions(learner, "peer")
            assert offered
            action = "accept" if i % 2 == 0 else "decline"
            response = await matcher.client.post(
                f"/v1/suggestions/{offered[0]['id']}/feedback",
                json={"action": action},
                headers=matcher.headers(learner),
            )
            assert response.status_code == 200, response.text
        assert model.learned and model.trained_on >= 4
        # Scores are now the model's acceptance probabilities (0..1) and lists still come.
        fresh = await matcher.upsert(person(org, "Fee Newcomer", want={"excel": 1}))
        offered = await matcher.suggestions(fresh, "peer")
        assert {s["candidate_id"] for s in offered} & {p.id for p in peers + learners}
        assert all(0.0 <= s["score"] <= 1.0 for s in offered)
        published = await matcher.matcher_events(events.SUGGESTION_FEEDBACK)
        assert sum(1 for e in published if e.data.person_id in {p.id for p in learners}) == 4
        assert all(len(e.data.features) == 6 for e in published)
    finally:
        model.min_feedback = saved
