"""Mentorships (issue 12): request, the mentor's answer, introduction, sessions, close, expiry.

On both engines, against the started matcher: what each caller sees, what was stored, which
events were published, and how the mentor's capacity and the ranking's feedback follow.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from peerlearn import events
from peerlearn.events import matcher as matcher_events
from peerlearn_matcher.adapters import tables
from peerlearn_matcher.adapters.index import LiveIndex
from peerlearn_matcher.usecases.mentorship_endings import expire_due

from .conftest import Harness, new_org, person

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _pair(
    matcher: Harness, *, capacity: int = 1, learners: int = 1, mentor_tz: str = "America/New_York"
) -> tuple[str, events.PersonProfile, list[events.PersonProfile]]:
    org = new_org()
    mentor = await matcher.upsert(
        person(
            org,
            "Mia Mentor",
            have={"terraform": 5},
            roles=("mentor",),
            mentor_capacity=capacity,
            timezone=mentor_tz,
        )
    )
    found = [
        await matcher.upsert(
            person(org, f"Leo Learner {i}", want={"terraform": 1}, goal="ship infra as code")
        )
        for i in range(learners)
    ]
    return org, mentor, found


async def _request(
    matcher: Harness, learner: events.PersonProfile, mentor: events.PersonProfile, kind: str = "mentor"
) -> dict[str, Any]:
    [offer] = [s for s in await matcher.suggestions(learner, kind) if s["candidate_id"] == mentor.id]
    response = await matcher.client.post(
        f"/v1/suggestions/{offer['id']}/feedback", json={"action": "accept"}, headers=matcher.headers(learner)
    )
    assert response.status_code == 200, response.text
    listed = await matcher.client.get(
        f"/v1/people/{learner.id}/mentorships", headers=matcher.headers(learner)
    )
    assert listed.status_code == 200, listed.text
    [mentorship] = [m for m in listed.json()["items"] if m["mentor"]["person_id"] == mentor.id]
    mentorship["suggestion_id"] = offer["id"]
    return mentorship


async def _feedback(matcher: Harness, suggestion_id: str) -> Any:
    async with matcher.database.reading() as session:
        return (
            await session.execute(
                sa.select(tables.feedback).where(tables.feedback.c.suggestion_id == suggestion_id)
            )
        ).one()


def _within_working_day(at: datetime, tz: str) -> bool:
    start, end = at.astimezone(ZoneInfo(tz)), (at + timedelta(hours=1)).astimezone(ZoneInfo(tz))
    return start.weekday() < 5 and start.hour >= 9 and (end.hour, end.minute) <= (18, 0)


async def test_request_accept_introduce_log_close_and_the_slot_comes_back(matcher: Harness) -> None:
    _, mentor, [learner, other] = await _pair(matcher, learners=2)
    assert mentor.id in await matcher.candidates(other, "mentor")
    requested = await _request(matcher, learner, mentor)
    assert requested["status"] == "requested"
    assert requested["goal"] == "ship infra as code" and requested["reasons"]
    assert requested["introduction"] is None and requested["proposed_times"] == []
    mid = requested["id"]
    # The request holds the only slot: the other learner no longer has the mentor suggested.
    assert mentor.id not in await matcher.candidates(other, "mentor")
    # The mentor sees the request in their own list.
    theirs = await matcher.client.get(f"/v1/people/{mentor.id}/mentorships", headers=matcher.headers(mentor))
    assert [m["id"] for m in theirs.json()["items"]] == [mid]

    mentee_accepts = await matcher.client.post(
        f"/v1/mentorships/{mid}/accept", headers=matcher.headers(learner)
    )
    assert mentee_accepts.status_code == 403, mentee_accepts.text
    ics_early = await matcher.client.get(
        f"/v1/mentorships/{mid}/invite.ics", headers=matcher.headers(learner)
    )
    assert ics_early.status_code == 404

    accepted = await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(mentor))
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "active"
    times = body["proposed_times"]
    assert len(times) == 3
    for t in times:
        start = datetime.fromisoformat(t["start"])
        assert _within_working_day(start, "Europe/Berlin") and _within_working_day(start, "America/New_York")
        assert t["mentee_local"].endswith("(Europe/Berlin)") and t["mentor_local"].endswith(
            "(America/New_York)"
        )
    intro = body["introduction"]
    assert "ship infra as code" in intro and body["reasons"][0]["text"] in intro
    assert times[0]["mentee_local"] in intro and "Mia Mentor" in intro
    again = await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(mentor))
    assert again.status_code == 409

    ics = await matcher.client.get(f"/v1/mentorships/{mid}/invite.ics", headers=matcher.headers(learner))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    parsed = list(icalendar.Calendar.from_ical(ics.content).walk("VEVENT"))
    assert [e.decoded("dtstart") for e in parsed] == [datetime.fromisoformat(t["start"]) for t in times]

    at = datetime.now(UTC) - timedelta(hours=2)
    logged = await matcher.client.post(
        f"/v1/mentorships/{mid}/sessions",
        json={"at": at.isoformat(), "minutes": 45, "notes": "modules and state", "topics": ["terraform"]},
        headers=matcher.headers(learner),
    )
    assert logged.status_code == 201, logged.text
    [session] = logged.json()["sessions"]
    assert session["notes"] == "modules and state" and session["logged_by"] == learner.id
    seen_by_mentor = (
        await matcher.client.get(f"/v1/mentorships/{mid}", headers=matcher.headers(mentor))
    ).json()
    assert seen_by_mentor["sessions"][0]["notes"] == "modules and state"
    seen_by_admin = (await matcher.client.get(f"/v1/mentorships/{mid}", headers=matcher.admin)).json()
    assert seen_by_admin["sessions"][0]["notes"] is None and seen_by_admin["introduction"] is None

    closed = await matcher.client.post(
        f"/v1/mentorships/{mid}/close",
        json={"rating": 5, "comment": "great"},
        headers=matcher.headers(mentor),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["rating"] == 5
    assert (
        await matcher.client.post(
            f"/v1/mentorships/{mid}/close", json={"rating": 4}, headers=matcher.headers(learner)
        )
    ).status_code == 409
    # The slot is free again; the outcome is the suggestion's feedback (features kept).
    assert mentor.id in await matcher.candidates(other, "mentor")
    row = await _feedback(matcher, requested["suggestion_id"])
    assert (row.action, row.rating) == ("accept", 5)

    published = {
        e.type: e.data
        for e in await matcher.matcher_events("matcher.mentorship.>")
        if e.data.mentorship_id == mid
    }
    assert set(published) == {
        matcher_events.MENTORSHIP_REQUESTED,
        matcher_events.MENTORSHIP_ACCEPTED,
        matcher_events.MENTORSHIP_SESSION_LOGGED,
        matcher_events.MENTORSHIP_CLOSED,
    }
    req = published[matcher_events.MENTORSHIP_REQUESTED]
    assert (req.mentee_id, req.mentor_id, req.mentor_name) == (learner.id, mentor.id, "Mia Mentor")
    assert len(published[matcher_events.MENTORSHIP_ACCEPTED].proposed_times) == 3
    logged_event = published[matcher_events.MENTORSHIP_SESSION_LOGGED]
    assert logged_event.minutes == 45 and "notes" not in logged_event.__struct_fields__
    closed_event = published[matcher_events.MENTORSHIP_CLOSED]
    assert closed_event.met and closed_event.rating == 5 and len(closed_event.features) == 6


async def test_declined_and_expired_requests_free_the_slot_and_count_as_declines(matcher: Harness) -> None:
    _, mentor, [first, second] = await _pair(matcher, learners=2)
    declined = await _request(matcher, first, mentor)
    answer = await matcher.client.post(
        f"/v1/mentorships/{declined['id']}/decline", headers=matcher.headers(mentor)
    )
    assert answer.status_code == 200 and answer.json()["status"] == "declined"
    assert (await _feedback(matcher, declined["suggestion_id"])).action == "decline"
    assert mentor.id not in await matcher.candidates(first, "mentor")  # a decline never returns

    waiting = await _request(matcher, second, mentor)
    assert await expire_due(matcher.parts, datetime.now(UTC) + timedelta(days=6)) == []
    assert await expire_due(matcher.parts, datetime.now(UTC) + timedelta(days=7, minutes=1)) == [
        waiting["id"]
    ]
    seen = (
        await matcher.client.get(f"/v1/mentorships/{waiting['id']}", headers=matcher.headers(second))
    ).json()
    assert seen["status"] == "expired"
    assert (await _feedback(matcher, waiting["suggestion_id"])).action == "decline"
    assert mentor.id not in matcher.engine.mentees or not matcher.engine.mentees[mentor.id]
    late = await matcher.client.post(
        f"/v1/mentorships/{waiting['id']}/accept", headers=matcher.headers(mentor)
    )
    assert late.status_code == 409
    types = [
        e.type for e in await matcher.matcher_events("matcher.mentorship.>") if e.data.mentor_id == mentor.id
    ]
    assert types.count(matcher_events.MENTORSHIP_DECLINED) == 1
    assert types.count(matcher_events.MENTORSHIP_EXPIRED) == 1


async def test_closing_without_a_session_is_never_met(matcher: Harness) -> None:
    _, mentor, [learner] = await _pair(matcher)
    mid = (await _request(matcher, learner, mentor))["id"]
    await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(mentor))
    closed = await matcher.client.post(
        f"/v1/mentorships/{mid}/close", json={"rating": 4}, headers=matcher.headers(learner)
    )
    assert closed.status_code == 200, closed.text
    [event] = [
        e.data
        for e in await matcher.matcher_events(matcher_events.MENTORSHIP_CLOSED)
        if e.data.mentorship_id == mid
    ]
    assert not event.met and event.sessions == 0
    row = await _feedback(matcher, event.suggestion_id)
    assert (row.action, row.rating) == ("decline", 4)  # never met: not a good match to learn from


async def test_ten_learners_requesting_the_last_slot_at_once_one_holds_it(matcher: Harness) -> None:
    limits = matcher.engine.limits
    saved = limits.load_cap
    limits.load_cap = 20  # the test app caps exposure at 5 a week; all ten must see the mentor
    try:
        _, mentor, learners = await _pair(matcher, learners=10)
        offers = []
        for learner in learners:
            [offer] = [
                s for s in await matcher.suggestions(learner, "mentor") if s["candidate_id"] == mentor.id
            ]
            offers.append((learner, offer["id"]))
    finally:
        limits.load_cap = saved
    answers = await asyncio.gather(
        *(
            matcher.client.post(
                f"/v1/suggestions/{sid}/feedback", json={"action": "accept"}, headers=matcher.headers(learner)
            )
            for learner, sid in offers
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1 and set(codes[1:]) <= {404, 409}, codes
    async with matcher.database.reading() as session:
        holding = (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(tables.mentorships)
                .where(
                    tables.mentorships.c.mentor_id == mentor.id, tables.mentorships.c.status == "requested"
                )
            )
        ).scalar_one()
    assert holding == 1


async def test_strict_validation(matcher: Harness) -> None:
    _, mentor, [learner] = await _pair(matcher)
    mid = (await _request(matcher, learner, mentor))["id"]
    await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(mentor))
    url = f"/v1/mentorships/{mid}/sessions"
    now = datetime.now(UTC)
    bad = [
        {"at": now.isoformat(), "minutes": 2},
        {"at": now.replace(tzinfo=None).isoformat(), "minutes": 30},
        {"at": now.isoformat(), "minutes": 30, "colour": "red"},
        {"at": (now + timedelta(days=3)).isoformat(), "minutes": 30},
        {"minutes": 30},
    ]
    for body in bad:
        response = await matcher.client.post(url, json=body, headers=matcher.headers(learner))
        assert response.status_code == 400, (body, response.text)
    for body in ({"rating": 0}, {"rating": 6}, {"rating": 3, "extra": 1}, {}):
        response = await matcher.client.post(
            f"/v1/mentorships/{mid}/close", json=body, headers=matcher.headers(learner)
        )
        assert response.status_code == 400, (body, response.text)
    listed = await matcher.client.get(
        f"/v1/people/{learner.id}/mentorships", params={"status": "open"}, headers=matcher.headers(learner)
    )
    assert listed.status_code == 400


async def test_erasing_a_party_ends_the_mentorship_and_removes_its_notes(matcher: Harness) -> None:
    org, mentor, [learner, other] = await _pair(matcher, learners=2)
    mid = (await _request(matcher, learner, mentor))["id"]
    await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(mentor))
    logged = await matcher.client.post(
        f"/v1/mentorships/{mid}/sessions",
        json={"at": datetime.now(UTC).isoformat(), "minutes": 30, "notes": "private things"},
        headers=matcher.headers(mentor),
    )
    assert logged.status_code == 201
    assert mentor.id not in await matcher.candidates(other, "mentor")
    await matcher.publish(events.PersonDeleted(person_id=learner.id, org_id=org))
    seen = (await matcher.client.get(f"/v1/mentorships/{mid}", headers=matcher.headers(mentor))).json()
    assert seen["status"] == "closed" and [s["notes"] for s in seen["sessions"]] == [""]
    assert seen["goal"] == ""  # the erased mentee's own words
    async with matcher.database.reading() as session:
        notes = (
            (
                await session.execute(
                    sa.select(tables.mentorship_sessions.c.notes).where(
                        tables.mentorship_sessions.c.mentorship_id == mid
                    )
                )
            )
            .scalars()
            .all()
        )
    assert list(notes) == [""]
    [closed] = [
        e.data
        for e in await matcher.matcher_events(matcher_events.MENTORSHIP_CLOSED)
        if e.data.mentorship_id == mid
    ]
    assert closed.reason == "erased" and closed.rating is None
    assert mentor.id in await matcher.candidates(other, "mentor")  # the slot is free again


async def test_a_restart_counts_only_open_mentorships_against_capacity(matcher: Harness) -> None:
    _, mentor, [closing, holding] = await _pair(matcher, capacity=2, learners=2)
    mid = (await _request(matcher, closing, mentor))["id"]
    await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(mentor))
    await matcher.client.post(
        f"/v1/mentorships/{mid}/close", json={"rating": 5}, headers=matcher.headers(closing)
    )
    await _request(matcher, holding, mentor)
    # A new process loads the same store: the closed one's accept no longer holds a slot.
    fresh = LiveIndex(matcher.database, matcher.parts.index.encoder, matcher.parts.settings)
    await fresh.start()
    assert fresh.engine.mentees[mentor.id] == {holding.id}
    assert matcher.engine.mentees[mentor.id] == {holding.id}


async def test_leaving_the_shared_cohort_ends_a_cross_org_expert_mentorship(matcher: Harness) -> None:
    org_a, org_b = new_org(), new_org()
    cohort = await matcher.cohort("Data Guild", org_a, org_a, org_b)
    learner = await matcher.upsert(person(org_a, "Cleo Cross", want={"spark": 1}))
    expert = await matcher.upsert(
        person(org_b, "Xavi Expert", have={"spark": 5}, roles=("expert",), mentor_capacity=1)
    )
    for member in (learner, expert):
        await matcher.join(cohort, member)
    mid = (await _request(matcher, learner, expert, "expert"))["id"]
    answer = await matcher.client.post(f"/v1/mentorships/{mid}/accept", headers=matcher.headers(expert))
    assert answer.status_code == 200, answer.text
    await matcher.publish(events.CohortMemberRemoved(cohort_id=cohort, person_id=learner.id, org_id=org_a))
    seen = (await matcher.client.get(f"/v1/mentorships/{mid}", headers=matcher.headers(expert))).json()
    assert seen["status"] == "closed"
    [closed] = [
        e.data
        for e in await matcher.matcher_events(matcher_events.MENTORSHIP_CLOSED)
        if e.data.mentorship_id == mid
    ]
    assert closed.reason == "cohort_left"
    assert not matcher.engine.mentees[expert.id]


async def test_a_stale_suggestion_of_a_mentor_at_capacity_is_409_and_keeps_nothing(matcher: Harness) -> None:
    _, mentor, [first, second] = await _pair(matcher, learners=2)
    await _request(matcher, first, mentor)  # the only slot
    stale = events.new_id()  # as a refresh still in the backlog would have left it
    async with matcher.database.transaction() as session:
        await session.execute(
            sa.insert(tables.suggestions).values(
                id=stale,
                person_id=second.id,
                kind="mentor",
                candidate_id=mentor.id,
                thread_id=None,
                score=0.9,
                rank=1,
                reasons=b"[]",
                features=b"[0.9, 1.0, 0.5, 0.0, 0.0, 0.0]",
                status="open",
                created_at=datetime.now(UTC),
            )
        )
    response = await matcher.client.post(
        f"/v1/suggestions/{stale}/feedback", json={"action": "accept"}, headers=matcher.headers(second)
    )
    assert response.status_code == 409, response.text
    assert "capacity" in response.json()["detail"]
    async with matcher.database.reading() as session:
        status = await session.scalar(
            sa.select(tables.suggestions.c.status).where(tables.suggestions.c.id == stale)
        )
        kept = await session.scalar(
            sa.select(sa.func.count())
            .select_from(tables.mentorships)
            .where(tables.mentorships.c.mentee_id == second.id)
        )
    assert (status, kept) == ("open", 0)
    assert matcher.engine.mentees[mentor.id] == {first.id}
