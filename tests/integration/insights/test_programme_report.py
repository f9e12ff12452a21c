"""The programme report of an org and of a cohort: the matcher's suggestions and mentorships,
the questions and how fast they were answered, routing, cross-org ties, skills; titles only
where the reader may look; the window; the charts."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from .conftest import ADMIN, Insights
from .programme import Programme, programme

pytestmark = pytest.mark.asyncio(loop_scope="module")
__all__ = ["programme"]


async def test_the_org_report(insights: Insights, programme: Programme) -> None:
    response = await insights.client.get(f"/v1/orgs/{programme.org}/report", headers=programme.admin.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["scope"], report["id"], report["people"]) == ("org", programme.org, 5)
    assert {s["kind"]: (s["made"], s["accepted"], s["declined"]) for s in report["suggestions"]} == {
        "peer": (1, 0, 1),
        "mentor": (1, 1, 0),
        "expert": (0, 0, 0),
        "answerer": (1, 0, 1),
        "related_thread": (0, 0, 0),
    }
    assert report["mentorships"] == {
        "requested": 3, "active": 0, "closed": 1, "declined": 1, "expired": 0, "mean_rating": 4.0, "rated": 1,
    }  # fmt: skip
    # q1 (2 h), q2 (never), q4 (1 h), q5 (never); q3 is org B's partner's question, not org A's.
    assert report["questions"] == {
        "asked": 4, "answered": 2, "answered_within_24h": 2, "median_hours_to_first_answer": 1.5,
        "unanswered": 2,
    }  # fmt: skip
    assert report["routing"] == {"routed_answerers": 2, "answered": 1, "share_answered": 0.5}
    assert [u["title"] for u in report["unanswered"]] == ["Unanswered org question", None]
    assert report["cohorts"] == [
        {"cohort_id": programme.cohort_id, "name": "Data K", "ties": 1, "cross_org_ties": 1}
    ]
    assert report["skills"] == [
        {"skill": "pandas", "learned": 1},
        {"skill": "python", "learned": 1},
        {"skill": "sql", "learned": 1},
    ]


async def test_the_platform_admin_sees_every_title(insights: Insights, programme: Programme) -> None:
    report = (await insights.client.get(f"/v1/orgs/{programme.org}/report", headers=ADMIN)).json()
    assert [u["title"] for u in report["unanswered"]] == ["Unanswered org question", "Hidden cohort question"]


async def test_the_cohort_report_for_both_orgs_admins(insights: Insights, programme: Programme) -> None:
    for reader in (programme.admin, programme.shared_admin):
        response = await insights.client.get(
            f"/v1/cohorts/{programme.cohort_id}/report", headers=reader.headers
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["scope"], report["people"]) == ("cohort", 2)
        assert report["questions"] == {
            "asked": 1, "answered": 1, "answered_within_24h": 0, "median_hours_to_first_answer": 30.0,
            "unanswered": 0,
        }  # fmt: skip
        assert report["cohorts"][0]["cross_org_ties"] == 1
        assert report["skills"] == [{"skill": "sql", "learned": 1}]


async def test_the_window_and_bad_parameters(insights: Insights, programme: Programme) -> None:
    url, headers = f"/v1/orgs/{programme.org}/report", programme.admin.headers
    early = await insights.client.get(
        url, headers=headers, params={"from": "2026-05-04T09:00:00Z", "to": "2026-05-04T10:30:00Z"}
    )
    assert early.status_code == 200, early.text
    body = early.json()
    assert (body["from"], body["to"]) == ("2026-05-04T09:00:00Z", "2026-05-04T10:30:00Z")
    assert body["questions"]["asked"] == 2  # q1 at 09:00 and q2 at 10:00
    assert body["mentorships"]["requested"] == 0
    backwards = await insights.client.get(
        url, headers=headers, params={"from": "2026-05-05T00:00:00Z", "to": "2026-05-04T00:00:00Z"}
    )
    assert backwards.status_code == 400
    assert (await insights.client.get(url, headers=headers, params={"from": "monday"})).status_code == 400
    svg = await insights.client.get(url + ".svg", headers=headers, params={"chart": "nonsense"})
    assert svg.status_code == 400


async def test_the_charts(insights: Insights, programme: Programme) -> None:
    url = f"/v1/orgs/{programme.org}/report.svg"
    response = await insights.client.get(url, headers=programme.admin.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.text)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Suggestions", "Skills most learned", "answered within 24 h", "pandas"} <= texts
    assert "Mentorships (mean rating 4 of 1)" in texts
    one = await insights.client.get(url, headers=programme.admin.headers, params={"chart": "skills"})
    assert "Suggestions" not in one.text and "Skills most learned" in one.text
    again = await insights.client.get(url, headers=programme.admin.headers)
    assert again.text == response.text
