"""An erased person leaves no trace in the programme report: their suggestions (made to them or
of them), their mentorships and the routings to them go with their acts."""

from __future__ import annotations

import uuid

import pytest

from peerlearn import events
from peerlearn.events import matcher as m

from .conftest import Insights

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_an_erased_person_leaves_the_report(insights: Insights) -> None:
    org = "o-" + uuid.uuid4().hex[:8]
    kept, erased = await insights.person(org), await insights.person(org)
    admin = await insights.person(org, roles=("org_admin",))
    thread = await insights.thread(kept, title="Who knows Kafka?")
    await insights.publish(
        m.AnswerersSuggested(
            thread_id=thread, answerers=[m.SuggestedAnswerer(person_id=erased.id, score=0.9)]
        )
    )
    await insights.publish(
        m.SuggestionsUpdated(
            person_id=kept.id,
            suggestions=[
                m.SuggestionItem(id="s-" + erased.id, kind="mentor", candidate_id=erased.id, score=0.8)
            ],
        )
    )
    await insights.publish(
        m.MentorshipRequested(mentorship_id="m-" + erased.id, mentee_id=kept.id, mentor_id=erased.id)
    )
    await insights.settle()

    def figures(report: dict) -> tuple[int, int, int]:
        mentor = next(s for s in report["suggestions"] if s["kind"] == "mentor")
        return mentor["made"], report["mentorships"]["requested"], report["routing"]["routed_answerers"]

    url = f"/v1/orgs/{org}/report"
    assert figures((await insights.client.get(url, headers=admin.headers)).json()) == (1, 1, 1)
    await insights.publish(events.PersonDeleted(person_id=erased.id, org_id=org))
    await insights.settle()
    assert figures((await insights.client.get(url, headers=admin.headers)).json()) == (0, 0, 0)
