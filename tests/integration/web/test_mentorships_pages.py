"""Mentorship pages against the real services: a learner accepts a mentor on home, the mentor
answers on /mentorships, both read the introduction with times in their own timezone, download
the invitation, log a session (errors beside their field), close with a rating; an outsider and a
colleague get the 404 page; the cohort admin page tallies the programme."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from litestar.testing import TestClient

from .conftest import Api, csrf_of, sign_in_as, submit

pytestmark = pytest.mark.e2e
TIME = re.compile(r"<td>\w{3} \d{2} \w{3} \d{4}, (\d{2}):\d{2}</td><td>")


def until(check: Any, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: last {value!r}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def pair(api: Api) -> dict[str, Any]:
    """An org with a learner (Paris) wanting Kubernetes, a mentor (New York) who has it, a colleague."""
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Mentoring Web", "kind": "partner"})
    other = api("profiles", "POST", "/v1/orgs", json={"name": "Other Mentoring", "kind": "partner"})
    learner = api.person(
        org["id"],
        "Mona Mentee",
        timezone="Europe/Paris",
        weekly_hours=3,
        goal="run Kubernetes in production",
        skills=[{"name": "Kubernetes", "level": 1, "wants": True}],
    )
    mentor = api.person(
        org["id"],
        "Kurt Kube",
        roles=["mentor"],
        mentor_capacity=2,
        weekly_hours=4,
        timezone="America/New_York",
        skills=[{"name": "Kubernetes", "level": 5}],
    )
    colleague = api.person(org["id"], "Cleo Colleague")
    outsider = api.person(other["id"], "Oscar Outsider")
    return {"org": org, "learner": learner, "mentor": mentor, "colleague": colleague, "outsider": outsider}


def test_request_introduction_session_and_close(new_browser: Any, api: Api, pair: dict[str, Any]) -> None:
    (learner, learner_token), (mentor, mentor_token) = pair["learner"], pair["mentor"]
    mentee_web, mentor_web = new_browser(), new_browser()
    sign_in_as(mentee_web, learner, learner_token)
    sign_in_as(mentor_web, mentor, mentor_token)

    home = until(lambda: (lambda t: t if "Kurt Kube" in t else "")(mentee_web.get("/").text))
    assert 'href="/mentorships"' in home  # the header links to the page
    [suggestion] = [
        s
        for s in api("matcher", "GET", f"/v1/people/{learner['id']}/suggestions", learner_token)["items"]
        if s["candidate_id"] == mentor["id"]
    ]
    accepted = mentee_web.post(f"/suggestions/{suggestion['id']}/accept", data={"_csrf_token": csrf_of(home)})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/?done=requested"
    after = mentee_web.get("/?done=requested").text
    assert "A request was sent" in after and '<a href="/mentorships">See your mentorships</a>' in after

    mine = mentee_web.get("/mentorships").text
    waiting = mine.split("Your requests waiting for an answer")[1].split("<h2>Active")[0]
    assert "Kurt Kube" in waiting and "Open until" in waiting and "/accept" not in waiting
    theirs = mentor_web.get("/mentorships").text
    to_answer = theirs.split("Requests waiting for your answer")[1].split("<h2>")[0]
    assert "Mona Mentee" in to_answer and "run Kubernetes in production" in to_answer
    [mentorship_id] = re.findall(r'action="/mentorships/([^/"]+)/accept"', to_answer)

    # The mentee cannot answer for the mentor: the matcher's refusal is shown on the list.
    refused = submit(mentee_web, "/mentorships", f"/mentorships/{mentorship_id}/accept")
    assert refused.status_code == 403 and 'class="form-error"' in refused.text

    answered = submit(mentor_web, "/mentorships", f"/mentorships/{mentorship_id}/accept")
    assert answered.status_code == 303
    assert answered.headers["location"] == f"/mentorships/{mentorship_id}?done=accepted"

    path = f"/mentorships/{mentorship_id}"
    for web, other, zone in (
        (mentee_web, "Kurt Kube", "Europe/Paris"),
        (mentor_web, "Mona Mentee", "America/New_York"),
    ):
        shown = web.get(path).text
        assert f"Mentorship with {other}" in shown and "Proposed first sessions" in shown
        assert f"in your timezone ({zone})" in shown
        hours = [int(h) for h in TIME.findall(shown)]
        assert len(hours) == 3, shown
        # Within each one's working day: the page shows each viewer their own clock.
        assert all(9 <= h < 18 for h in hours), (zone, hours)
        assert f'href="{path}/invite.ics"' in shown

    ics = mentee_web.get(f"{path}/invite.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert ics.headers["content-disposition"] == f'attachment; filename="mentorship-{mentorship_id}.ics"'
    assert ics.text.startswith("BEGIN:VCALENDAR") and ics.text.count("BEGIN:VEVENT") == 3

    bad = submit(mentee_web, path, f"{path}/sessions", at="", minutes="2", topics="pods", notes="x")
    assert bad.status_code == 400
    assert 'id="at-error"' in bad.text and 'id="minutes-error"' in bad.text
    assert "5 to 480 minutes" in bad.text and 'value="pods"' in bad.text  # kept as typed

    logged = submit(
        mentee_web,
        path,
        f"{path}/sessions",
        at="2026-11-30T10:00",
        minutes="45",
        topics="pods, helm",
        notes="We set up a cluster together.",
    )
    assert logged.status_code == 303 and logged.headers["location"] == f"{path}?done=logged"
    for web in (mentee_web, mentor_web):
        shown = web.get(path).text
        assert "45 minutes" in shown and "We set up a cluster together." in shown and ">helm<" in shown
    # Logged at 10:00 Paris: the New York mentor reads 04:00 on the same day.
    assert "Mon 30 Nov 2026, 04:00" in mentor_web.get(path).text

    # Others see nothing: the colleague and the outsider get the 404 page, notes nowhere.
    for name in ("colleague", "outsider"):
        person, token = pair[name]
        web = new_browser()
        sign_in_as(web, person, token)
        for url in (path, f"{path}/invite.ics"):
            hidden = web.get(url)
            assert hidden.status_code == 404 and "Not found" in hidden.text
            assert "cluster together" not in hidden.text

    no_rating = submit(mentor_web, path, f"{path}/close", comment="good")
    assert no_rating.status_code == 400 and 'id="rating-error"' in no_rating.text
    assert "choose a rating" in no_rating.text
    closed = submit(mentor_web, path, f"{path}/close", rating="4", comment="A good start.")
    assert closed.status_code == 303
    final = mentee_web.get(path).text
    assert "rated 4/5" in final and "A good start." in final and "Log a session" not in final
    assert "Mona Mentee" in mentor_web.get("/mentorships").text.split("<h2>Closed</h2>")[1]

    # A second close: the matcher refuses (not active), its message shown on the page.
    again = mentee_web.post(f"{path}/close", data={"_csrf_token": csrf_of(final), "rating": "5"})
    assert again.status_code == 400 and 'class="form-error"' in again.text
    assert (
        api("matcher", "GET", path.replace("/mentorships", "/v1/mentorships"), learner_token)["rating"] == 4
    )


def test_an_unknown_mentorship_is_the_404_page(browser: TestClient[Any], pair: dict[str, Any]) -> None:
    person, token = pair["colleague"]
    sign_in_as(browser, person, token)
    for url in ("/mentorships/nothing-here", "/mentorships/nothing-here/invite.ics"):
        response = browser.get(url)
        assert response.status_code == 404 and "Not found" in response.text
    empty = browser.get("/mentorships")
    assert empty.status_code == 200 and "No mentorships yet" in empty.text


def test_mentorships_need_a_signed_in_person(browser: TestClient[Any]) -> None:
    response = browser.get("/mentorships")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next=")


def test_the_cohort_admin_sees_the_programme_and_others_get_404(
    new_browser: Any, api: Api, pair: dict[str, Any]
) -> None:
    (learner, learner_token), (mentor, _) = pair["learner"], pair["mentor"]
    if not api("matcher", "GET", f"/v1/people/{learner['id']}/mentorships", learner_token)["items"]:
        # Run alone: the learner requests the mentor through the API (the journey above does it by page).
        [suggestion] = until(
            lambda: [
                s
                for s in api("matcher", "GET", f"/v1/people/{learner['id']}/suggestions", learner_token)[
                    "items"
                ]
                if s["candidate_id"] == mentor["id"]
            ]
        )
        api(
            "matcher",
            "POST",
            f"/v1/suggestions/{suggestion['id']}/feedback",
            learner_token,
            json={"action": "accept"},
        )
    admin, admin_token = api.person(pair["org"]["id"], "Ada Admin", roles=["org_admin"])
    cohort = api("profiles", "POST", "/v1/cohorts", admin_token, json={"name": "Kube Guild", "topic": "ops"})
    for person in (learner, mentor):
        api("profiles", "POST", f"/v1/cohorts/{cohort['id']}/members/{person['id']}", admin_token)
    web = new_browser()
    sign_in_as(web, admin, admin_token)
    assert (
        f'href="/admin/cohorts/{cohort["id"]}/mentorships"' in web.get(f"/admin/cohorts/{cohort['id']}").text
    )

    def row() -> str:
        text = web.get(f"/admin/cohorts/{cohort['id']}/mentorships").text
        return text if "<td>Mona Mentee</td><td>Kurt Kube</td>" in text else ""

    shown = until(row, timeout=60)
    assert "Sessions logged:" in shown and "Mean rating:" in shown
    assert "cluster together" not in shown  # the pair's notes stay theirs

    outsider, outsider_token = pair["outsider"]
    other = new_browser()
    sign_in_as(other, outsider, outsider_token)
    assert other.get(f"/admin/cohorts/{cohort['id']}/mentorships").status_code == 404
