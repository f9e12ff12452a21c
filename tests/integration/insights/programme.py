"""A small programme published as the other services publish it, for the report, network and
access tests: org A (an asker, an answerer, a colleague, a newcomer, its admin), org B sharing
cohort K (owned by A) with it, org C sharing nothing with A; questions answered fast, slowly
and never; suggestions, mentorships and routings from the matcher."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from peerlearn import events
from peerlearn.events import matcher as m

from .conftest import Insights, Person

T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)


@dataclass
class Programme:
    org: str
    asker: Person
    answerer: Person
    colleague: Person
    newcomer: Person
    admin: Person
    shared_admin: Person  # an admin of org B, which shares cohort K with org A
    other_admin: Person  # an admin of org C, which shares nothing with org A
    partner: Person  # org B's person in cohort K
    outsider: Person  # org C's person, who answered the colleague in a public thread
    cohort_id: str
    hidden_thread: str  # the asker's question in a cohort org A is not in


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


async def _answer(
    insights: Insights, thread: str, author: Person, asker: Person, at: datetime, **where: str
) -> str:
    post_id = "po-" + uuid.uuid4().hex[:10]
    visibility = where.get("visibility", "org")
    await insights.publish(
        events.PostCreated(
            post_id=post_id,
            thread_id=thread,
            thread_title="",
            body="Try this.",
            space_id="s-1",
            visibility=visibility,  # type: ignore[arg-type]
            org_id=asker.org_id if visibility == "org" else None,
            cohort_id=where.get("cohort_id"),
            author_id=author.id,
            asker_id=asker.id,
        ),
        occurred_at=at,
    )
    return post_id


async def _question(
    insights: Insights, author: Person, title: str, at: datetime, tags: tuple[str, ...] = (), **where: str
) -> str:
    thread_id = "t-" + uuid.uuid4().hex[:10]
    visibility = where.get("visibility", "org")
    await insights.publish(
        events.ThreadCreated(
            thread_id=thread_id,
            space_id="s-1",
            visibility=visibility,  # type: ignore[arg-type]
            org_id=author.org_id if visibility == "org" else None,
            cohort_id=where.get("cohort_id"),
            author_id=author.id,
            kind="question",
            title=title,
            tags=list(tags),
        ),
        occurred_at=at,
    )
    return thread_id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def programme(insights: Insights) -> Programme:
    a, b, c = ("o-" + uuid.uuid4().hex[:8] for _ in range(3))
    asker, answerer, colleague, newcomer = [await insights.person(a) for _ in range(4)]
    admin = await insights.person(a, roles=("org_admin",))
    shared_admin = await insights.person(b, roles=("org_admin",))
    other_admin = await insights.person(c, roles=("org_admin",))
    partner, outsider = await insights.person(b), await insights.person(c)
    cohort, hidden_cohort = "c-" + uuid.uuid4().hex[:8], "c-" + uuid.uuid4().hex[:8]
    await insights.publish(
        events.CohortCreated(cohort_id=cohort, name="Data K", owner_org_id=a, member_org_ids=[b])
    )
    await insights.publish(events.CohortCreated(cohort_id=hidden_cohort, name="C only", owner_org_id=c))
    for person, cohort_id in ((answerer, cohort), (partner, cohort), (asker, hidden_cohort)):
        await insights.publish(
            events.CohortMemberAdded(cohort_id=cohort_id, person_id=person.id, org_id=person.org_id)
        )
    # q1: answered after 2 h and accepted; q2: never answered; q3 (cohort K, by org B's partner):
    # answered after 30 h; q4 (public): the outsider answers after 1 h; q5: in a cohort org A is not in.
    q1 = await _question(insights, asker, "How do I profile pandas?", T0, ("pandas", "python"))
    post = await _answer(insights, q1, answerer, asker, _h(2))
    await insights.publish(
        events.AnswerAccepted(
            thread_id=q1, post_id=post, answer_author_id=answerer.id, asker_id=asker.id,
            space_id="s-1", visibility="org", org_id=a,
        ),
        occurred_at=_h(3),
    )  # fmt: skip
    await _question(insights, newcomer, "Unanswered org question", _h(1))
    q3 = await _question(
        insights, partner, "Cohort question", _h(4), ("sql",), visibility="cohort", cohort_id=cohort
    )
    await _answer(insights, q3, answerer, partner, _h(34), visibility="cohort", cohort_id=cohort)
    q4 = await _question(insights, colleague, "Public SQL question", _h(5), ("sql",), visibility="public")
    await _answer(insights, q4, outsider, colleague, _h(6), visibility="public")
    q5 = await _question(
        insights, asker, "Hidden cohort question", _h(7), visibility="cohort", cohort_id=hidden_cohort
    )
    await insights.publish(
        m.AnswerersSuggested(
            thread_id=q1,
            answerers=[m.SuggestedAnswerer(person_id=p.id, score=0.9) for p in (answerer, colleague)],
        ),
        occurred_at=_h(0.1),
    )
    offered = m.SuggestionsUpdated(
        person_id=asker.id,
        suggestions=[
            m.SuggestionItem(id="s-peer-" + asker.id, kind="peer", candidate_id=colleague.id, score=0.7),
            m.SuggestionItem(id="s-mentor-" + asker.id, kind="mentor", candidate_id=answerer.id, score=0.8),
        ],
    )
    await insights.publish(offered, occurred_at=_h(1))
    await insights.publish(offered, occurred_at=_h(2))  # a re-ranking re-sends the same suggestions
    for sid, kind, person, candidate, action in (
        ("s-peer-" + asker.id, "peer", asker, colleague, "decline"),
        ("s-mentor-" + asker.id, "mentor", asker, answerer, "accept"),
        ("s-ans-" + colleague.id, "answerer", colleague, asker, "decline"),
    ):
        await insights.publish(
            m.SuggestionFeedback(
                suggestion_id=sid,
                person_id=person.id,
                candidate_id=candidate.id,
                kind=kind,  # type: ignore[arg-type]
                action=action,  # type: ignore[arg-type]
            ),
            occurred_at=_h(3),
        )
    pair = {"mentee_id": asker.id, "mentor_id": answerer.id}
    await insights.publish(m.MentorshipRequested(mentorship_id="m1-" + a, **pair), occurred_at=_h(3))
    await insights.publish(m.MentorshipAccepted(mentorship_id="m1-" + a, **pair), occurred_at=_h(4))
    await insights.publish(
        m.MentorshipSessionLogged(
            mentorship_id="m1-" + a, session_id="ms-" + a, at=_h(30), minutes=30, **pair
        )
    )
    await insights.publish(m.MentorshipClosed(mentorship_id="m1-" + a, rating=4, **pair), occurred_at=_h(40))
    await insights.publish(m.MentorshipAccepted(mentorship_id="m1-" + a, **pair), occurred_at=_h(41))  # late
    await insights.publish(m.MentorshipRequested(mentorship_id="m2-" + a, **pair), occurred_at=_h(5))
    await insights.publish(m.MentorshipDeclined(mentorship_id="m2-" + a, **pair), occurred_at=_h(6))
    await insights.publish(
        m.MentorshipRequested(mentorship_id="m3-" + a, mentee_id=newcomer.id, mentor_id=answerer.id),
        occurred_at=_h(7),
    )
    await insights.settle()
    return Programme(
        a,
        asker,
        answerer,
        colleague,
        newcomer,
        admin,
        shared_admin,
        other_admin,
        partner,
        outsider,
        cohort,
        q5,
    )
