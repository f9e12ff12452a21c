"""A learner's profile in → peers, mentors and experts out, with reasons; feedback; capacity."""

from __future__ import annotations

import pytest

from peerlearn import events
from peerlearn.testing.waiting import eventually

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_learner_gets_a_mentor_and_a_peer_with_reasons(matcher: Harness) -> None:
    org = new_org()
    mentor = await matcher.upsert(
        person(org, "Maria Mentor", have={"deep learning": 5, "python": 5}, roles=("mentor",), mentor_capacity=2)
    )
    peer = await matcher.upsert(person(org, "Pete Peer", want={"neural networks": 1}, have={"python": 2}))
    learner = await matcher.upsert(
        person(org, "Lena Learner", want={"PyTorch": 2}, have={"python": 3}, goal="train image classifiers")
    )
    mentors = await matcher.suggestions(learner, "mentor")
    assert [s["candidate_id"] for s in mentors] == [mentor.id]
    texts = [r["text"] for r in mentors[0]["reasons"]]
    assert "you want PyTorch (2) — they have deep learning (5)" in texts
    assert mentors[0]["candidate_name"] == "Maria Mentor"
    assert any("overlapping working hours" in t for t in texts)
    assert peer.id in await matcher.candidates(learner, "peer")
    # The learner is announced to the others too: the peer sees the learner back (reciprocal).
    assert learner.id in await matcher.candidates(peer, "peer")
    published = [
        e for e in await matcher.matcher_events(events.SUGGESTIONS_UPDATED) if e.data.person_id == learner.id
    ]
    assert published and mentor.id in {s.candidate_id for s in published[-1].data.suggestions}
