"""A mentorship in a real browser: a learner accepts a mentor suggested on home, the mentor signs
in and accepts the request, both read the introduction with its proposed times, the learner logs
a session and the mentor closes the mentorship with a rating."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest

from .conftest import Api, screenshot, sign_in_with_link, until

pytestmark = pytest.mark.e2e


def test_a_learner_and_a_mentor_meet_log_a_session_and_close_it(api: Api, new_page: Any) -> None:
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Mentoring Journeys", "kind": "partner"})
    mentor = api.person(
        org["id"],
        "Greta Graph",
        roles=["mentor"],
        mentor_capacity=2,
        weekly_hours=4,
        timezone="Europe/Berlin",
        skills=[{"name": "GraphQL", "level": 5}],
    )
    learner = api.person(
        org["id"],
        "Lars Learner",
        timezone="Europe/London",
        weekly_hours=3,
        goal="design a GraphQL API",
        skills=[{"name": "GraphQL", "level": 1, "wants": True}],
    )

    mentee = new_page()
    sign_in_with_link(mentee, api.link_for(learner))
    card = mentee.locator(".suggestion", has_text="Greta Graph")

    def suggested() -> bool:
        if card.count():
            return True
        mentee.reload()
        return False

    until(suggested, timeout=90)
    card.get_by_role("button", name="Accept Greta Graph").click()
    assert mentee.get_by_role("status").filter(has_text="A request was sent").is_visible()
    mentee.get_by_role("link", name="See your mentorships").click()
    waiting = mentee.locator(".mentorship", has_text="Greta Graph")
    assert "waiting for the mentor's answer" in waiting.inner_text()

    mentor_page = new_page()
    sign_in_with_link(mentor_page, api.link_for(mentor))
    mentor_page.get_by_role("link", name="Mentorships", exact=True).click()
    request = mentor_page.locator(".mentorship", has_text="Lars Learner")
    assert "design a GraphQL API" in request.inner_text()
    request.get_by_role("button", name="Accept Lars Learner's request").click()
    mentor_page.wait_for_url(re.compile(r"/mentorships/[^/?]+\?done=accepted$"))
    assert mentor_page.get_by_role("status").filter(has_text="introduced").is_visible()
    path = urlparse(mentor_page.url).path

    for page, zone in ((mentor_page, "Europe/Berlin"), (mentee, "Europe/London")):
        page.goto(path)
        table = page.get_by_role("table")
        assert f"in your timezone ({zone})" in table.inner_text()
        assert table.locator("tbody tr").count() == 3
        assert page.get_by_role("link", name="Download the invitation (.ics)").is_visible()

    with mentee.expect_download() as download:
        mentee.get_by_role("link", name="Download the invitation (.ics)").click()
    assert download.value.suggested_filename.endswith(".ics")

    mentee.get_by_label(re.compile("^When")).fill("2026-11-30T15:00")
    mentee.get_by_label("Minutes").fill("50")
    mentee.get_by_label(re.compile("^Topics")).fill("schemas, resolvers")
    mentee.get_by_label(re.compile("^Notes")).fill("Sketched the schema for the orders API.")
    mentee.get_by_role("button", name="Log session").click()
    assert mentee.get_by_role("status").filter(has_text="Session logged").is_visible()

    mentor_page.reload()
    sessions = mentor_page.locator("#sessions")
    assert "Sketched the schema for the orders API." in sessions.inner_text()
    assert "Mon 30 Nov 2026, 16:00" in sessions.inner_text()  # 15:00 in London is 16:00 in Berlin
    screenshot(mentor_page, "mentorship")

    mentor_page.get_by_role("button", name="Close with this rating").click()
    assert mentor_page.locator("#rating-error").is_visible()  # no rating chosen yet
    mentor_page.get_by_label("4 — very useful").check()
    mentor_page.get_by_label(re.compile("^Comment")).fill("A focused start.")
    mentor_page.get_by_role("button", name="Close with this rating").click()
    assert mentor_page.get_by_role("status").filter(has_text="Mentorship closed").is_visible()

    mentee.goto("/mentorships")
    closed = mentee.locator(".mentorship", has_text="Greta Graph")
    assert "rated 4/5" in closed.inner_text() and "closed" in closed.inner_text()

    # The same page fits a phone (nothing wider than its screen).
    phone = new_page(phone=True)
    sign_in_with_link(phone, api.link_for(learner))
    phone.goto(path)
    assert phone.get_by_role("heading", name="Mentorship with Greta Graph").is_visible()
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
