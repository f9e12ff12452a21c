"""A learner's profile in → peers, mentors and experts out, with reasons; feedback; capacity."""

from __future__ import annotations

import pytest

from peerlearn import events

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_learner_gets_a_mentor_and_a_peer_with_reasons(matcher: Harness) -> None:
    org = new_org()
    mentor = await matcher.upsert(
        person(
            org,
            "Maria Mentor",
            have={"machine learning": 5, "excel": 5},
            roles=("mentor",),
            mentor_capacity=2,
        )
    )
    peer = await matcher.upsert(
        person(org, "Pete Peer", want={"neural networks": 1, "deep learning": 1}, have={"python": 2})
    )
    learner = await matcher.upsert(
        person(
            org, "Lena Learner", want={"deep learning": 2}, have={"python": 3}, goal="train image classifiers"
        )
    )
    mentors = await matcher.suggestions(learner, "mentor")
    assert [s["candidate_id"] for s in mentors] == [mentor.id]
    texts = [r["text"] for r in mentors[0]["reasons"]]
    assert "you want deep learning (2) — they have machine learning (5)" in texts
    assert mentors[0]["candidate_name"] == "Maria Mentor"
    assert any("overlapping working hours" in t for t in texts)
    assert peer.id in await matcher.candidates(learner, "peer")
    # The learner is announced to the others too: the peer sees the learner back (reciprocal).
    assert learner.id in await matcher.candidates(peer, "peer")
    published = [
        e for e in await matcher.matcher_events(events.SUGGESTIONS_UPDATED) if e.data.person_id == learner.id
    ]
    assert published and mentor.id in {s.candidate_id for s in published[-1].data.suggestions}


async def _feedback(matcher: Harness, who: events.PersonProfile, suggestion_id: str, body: dict) -> dict:
    response = await matcher.client.post(
        f"/v1/suggestions/{suggestion_id}/feedback", json=body, headers=matcher.headers(who)
    )
    assert response.status_code == 200, response.text
    result: dict = response.json()
    return result


async def test_an_accepted_mentor_uses_capacity_and_a_decline_never_returns(matcher: Harness) -> None:
    org = new_org()
    mentor = await matcher.upsert(
        person(org, "Carl Capacity", have={"kubernetes": 5}, roles=("mentor",), mentor_capacity=1)
    )
    first = await matcher.upsert(person(org, "Fay First", want={"kubernetes": 1}))
    second = await matcher.upsert(person(org, "Sam Second", want={"kubernetes": 2}))
    assert await matcher.candidates(second, "mentor") == [mentor.id]
    [offer] = await matcher.suggestions(first, "mentor")
    accepted = await _feedback(matcher, first, offer["id"], {"action": "accept", "rating": 5})
    assert accepted["status"] == "accepted"
    # Capacity 1 is used up: the other learner no longer gets this mentor, at once.
    assert await matcher.candidates(second, "mentor") == []
    # The acceptance was published for the rest of the system.
    feedback = await matcher.matcher_events(events.SUGGESTION_FEEDBACK)
    assert any(e.data.suggestion_id == offer["id"] and e.data.action == "accept" for e in feedback)

    # Declining a peer: never suggested again, even after both profiles change.
    [peer_offer] = [s for s in await matcher.suggestions(second, "peer") if s["candidate_id"] == first.id]
    await _feedback(matcher, second, peer_offer["id"], {"action": "decline"})
    assert first.id not in await matcher.candidates(second, "peer")
    await matcher.upsert(person(org, "Sam Second", want={"kubernetes": 2, "helm": 1}, person_id=second.id))
    await matcher.upsert(person(org, "Fay First", want={"kubernetes": 1, "helm": 1}, person_id=first.id))
    assert first.id not in await matcher.candidates(second)


async def test_suggestions_are_paged_with_a_cursor(matcher: Harness) -> None:
    org = new_org()
    others = [
        await matcher.upsert(person(org, f"Rust Fan {i}", want={"rust": 1 + i % 3}, have={"c": 3}))
        for i in range(4)
    ]
    learner = await matcher.upsert(person(org, "Pat Pager", want={"rust": 2}))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"kind": "peer", "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await matcher.client.get(
            f"/v1/people/{learner.id}/suggestions", params=params, headers=matcher.headers(learner)
        )
        assert response.status_code == 200
        page = response.json()
        seen += [s["candidate_id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(o.id for o in others)


async def test_nobody_is_put_forward_as_mentor_more_than_the_weekly_cap(matcher: Harness) -> None:
    cap = matcher.parts.settings.load_cap_per_week
    org = new_org()
    star = await matcher.upsert(
        person(org, "Star Mentor", have={"rust": 5}, roles=("mentor",), mentor_capacity=cap * 3)
    )
    learners = [await matcher.upsert(person(org, f"Rusty {i}", want={"rust": 1})) for i in range(cap + 2)]
    offered = [learner for learner in learners if star.id in await matcher.candidates(learner, "mentor")]
    assert len(offered) == cap
    # Those who already have the suggestion keep it when their profile changes.
    await matcher.upsert(person(org, offered[0].display_name, want={"rust": 2}, person_id=offered[0].id))
    assert star.id in await matcher.candidates(offered[0], "mentor")
