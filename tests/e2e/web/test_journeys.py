"""The journeys of issue 10 in a real browser: a learner signs in by mail link, fills in a
profile, sees a mentor suggested with its reasons (live) and accepts; a question is routed to a
colleague who answers and the asker accepts; an outsider gets 404 pages; an admin imports a CSV
and splits a cohort into study groups; sign-in by SSO against a real OpenID provider."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerlearn.runner import System
from peerlearn.testing.oidc import start_oidc_provider

from .conftest import Api, mailed_link, screenshot, sign_in_with_link, until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def org(api: Api) -> dict[str, Any]:
    return dict(api("profiles", "POST", "/v1/orgs", json={"name": "Northwind Web", "kind": "partner"}))


def test_learner_signs_in_by_mail_fills_profile_and_accepts_a_mentor(
    system: System, api: Api, org: dict[str, Any], new_page: Any
) -> None:
    mentor = api.person(
        org["id"],
        "Marta Mentor",
        roles=["mentor"],
        mentor_capacity=2,
        weekly_hours=4,
        timezone="Europe/Berlin",
        skills=[{"name": "PostgreSQL", "level": 5}, {"name": "SQL", "level": 5}],
    )
    learner = api.person(org["id"], "Leo Learner")
    page = new_page()

    page.goto("/sign-in")
    screenshot(page, "sign-in")
    page.get_by_label("Your work email").fill(learner["email"])
    page.get_by_role("button", name="Email me a sign-in link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    link = mailed_link(system, learner["email"])
    page.goto(link)
    screenshot(page, "sign-in-link")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", name="Hello, Leo Learner").is_visible()

    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Your learning goal").fill("write fast reporting queries")
    page.get_by_label(re.compile("^Skills you want to learn")).fill("SQL: 1")
    page.get_by_label(re.compile("^Time zone")).fill("Europe/Paris")
    page.get_by_label(re.compile("^Hours a week")).fill("3")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_role("status").filter(has_text="Saved").is_visible()
    screenshot(page, "profile")

    page.get_by_role("link", name="Home", exact=True).click()
    card = page.locator(".suggestion", has_text="Marta Mentor")

    def suggested() -> bool:
        if card.count():
            return True
        page.reload()
        return False

    until(suggested, timeout=90)
    reasons = card.locator(".reasons").inner_text()
    assert "you want SQL (1) — they have" in reasons, reasons
    screenshot(page, "home")
    card.get_by_role("button", name="Accept Marta Mentor").click()
    assert page.get_by_role("status").filter(has_text="Accepted").is_visible()
    assert page.locator(".suggestion", has_text="Marta Mentor").count() == 0
    accepted = api("matcher", "GET", f"/v1/people/{learner['id']}/suggestions", params={"kind": "mentor"})
    assert mentor["id"] not in [s["candidate_id"] for s in accepted["items"]]


def test_home_updates_live_when_a_new_mentor_appears(
    system: System, api: Api, org: dict[str, Any], new_page: Any
) -> None:
    learner = api.person(
        org["id"],
        "Lina Live",
        timezone="Europe/Paris",
        weekly_hours=3,
        goal="learn Kubernetes",
        skills=[{"name": "Kubernetes", "level": 1, "wants": True}],
    )
    page = new_page()
    sign_in_with_link(page, api.link_for(learner))
    assert page.locator(".suggestion", has_text="Karl Kube").count() == 0
    page.wait_for_function("() => document.querySelector('[data-live]') !== null")
    page.wait_for_timeout(1000)  # the EventSource is open before the change happens
    api.person(
        org["id"],
        "Karl Kube",
        roles=["mentor"],
        mentor_capacity=3,
        weekly_hours=5,
        timezone="Europe/Berlin",
        skills=[{"name": "Kubernetes", "level": 5}],
    )
    # No reload: the card arrives through the web service's event stream.
    page.locator(".suggestion", has_text="Karl Kube").wait_for(timeout=60_000)
    assert page.locator("[data-refreshed]").count() == 1


def test_a_question_is_routed_answered_and_accepted_and_outsiders_get_404(
    system: System, api: Api, org: dict[str, Any], new_page: Any
) -> None:
    space = api(
        "forum", "POST", "/v1/spaces", json={"name": "Data Team", "visibility": "org", "org_id": org["id"]}
    )
    asker = api.person(org["id"], "Ana Asker", skills=[{"name": "Airflow", "level": 1, "wants": True}])
    expert = api.person(
        org["id"],
        "Eli Expert",
        weekly_hours=4,
        skills=[{"name": "Airflow", "level": 5}, {"name": "Python", "level": 5}],
    )
    other_org = api("profiles", "POST", "/v1/orgs", json={"name": "Elsewhere Web", "kind": "partner"})
    outsider = api.person(other_org["id"], "Olga Outsider")

    ask_page = new_page()
    sign_in_with_link(ask_page, api.link_for(asker))
    ask_page.goto(f"/spaces/{space['id']}")
    ask_page.get_by_role("link", name="Ask a question").click()
    ask_page.get_by_label("Title").fill("How do I retry a failed Airflow task?")
    ask_page.get_by_label("Details (Markdown)").fill("My DAG fails on a **flaky** API call.")
    ask_page.get_by_label(re.compile("^Tags")).fill("airflow python")
    ask_page.get_by_role("button", name="Post").click()
    ask_page.wait_for_url(re.compile(r"/threads/"))
    thread_url = ask_page.url
    assert ask_page.locator(".body strong", has_text="flaky").count() == 1

    answer_page = new_page()
    sign_in_with_link(answer_page, api.link_for(expert))
    routed = answer_page.get_by_role("link", name="How do I retry a failed Airflow task?")

    def shown() -> bool:
        if routed.count():
            return True
        answer_page.reload()
        return False

    until(shown, timeout=90)
    routed.click()
    answer_page.get_by_label("Your answer").fill("Set `retries=3` and `retry_delay` on the task.")
    answer_page.get_by_role("button", name="Post your answer").click()
    assert answer_page.locator(".post", has_text="retries=3").count() == 1

    ask_page.reload()
    ask_page.get_by_role("button", name="Accept this answer").click()
    assert ask_page.get_by_text("Accepted answer").is_visible()
    screenshot(ask_page, "thread")

    out_page = new_page()
    sign_in_with_link(out_page, api.link_for(outsider))
    response = out_page.goto(thread_url)
    assert response is not None and response.status == 404
    assert out_page.get_by_role("heading", name="Not found").is_visible()
    assert "Airflow" not in out_page.content()
    screenshot(out_page, "not-found")


CSV = """display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal,mentor_capacity
Ivy Import,ivy@import.test,learner,Europe/Paris,3,,SQL:1,learn SQL,0
Ian Import,ian@import.test,learner,Europe/Berlin,2,Python:3,SQL:2,better SQL,0
Mia Mentor,mia@import.test,mentor,Europe/Berlin,4,SQL:5,,,2
Bad Row,not-an-email,learner,Europe/Paris,3,,,,0
Uma Import,uma@import.test,learner,Mars/Olympus,3,,,,0
"""


def test_an_admin_imports_people_and_splits_a_cohort_into_groups(
    system: System, api: Api, org: dict[str, Any], new_page: Any, tmp_path: Path
) -> None:
    admin = api.person(org["id"], "Ada Admin", roles=["org_admin"])
    page = new_page()
    sign_in_with_link(page, api.link_for(admin))
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Import a CSV").click()
    csv = tmp_path / "people.csv"
    csv.write_text(CSV)
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Import").click()
    summary = page.get_by_role("status").inner_text()
    assert "Created 3" in summary and "rejected 2" in summary, summary
    rows = page.locator("table tbody tr").all_inner_texts()
    assert any(r.startswith("5") for r in rows) and any(r.startswith("6") for r in rows), rows
    screenshot(page, "admin-import")

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Cohorts", exact=True).click()
    page.get_by_label("Name").fill("SQL Circle")
    page.get_by_label("Topic").fill("reporting with SQL")
    page.get_by_role("button", name="Create cohort").click()
    page.wait_for_url(re.compile(r"/admin/cohorts/"))
    for name in ("Ivy Import", "Ian Import", "Mia Mentor", "Ada Admin"):
        page.get_by_label("Add a person of your organisation").select_option(label=name)
        page.get_by_role("button", name="Add to cohort").click()
    assert "4 members" in page.content()

    def grouped() -> bool:
        page.get_by_label("People per group").fill("2")
        page.get_by_role("button", name="Split into study groups").click()
        return page.locator(".group", has_text="Ivy Import").count() == 1

    until(grouped, timeout=90, every=1.0)  # the matcher learns the cohort from events
    # Study groups are of the cohort's learners, with what they want to learn named.
    names = " ".join(page.locator(".group").all_inner_texts())
    assert "Ian Import" in names and "SQL" in names, names
    screenshot(page, "admin-groups")
    page.get_by_role("button", name="Assign mentors to learners").click()
    pairs = page.locator("table tbody tr").all_inner_texts()
    assert any("Mia Mentor" in row for row in pairs), page.locator("main").inner_text()


def test_sign_in_with_the_orgs_sso(system: System, api: Api, org: dict[str, Any], new_page: Any) -> None:
    person = api.person(org["id"], "Sven Sso")
    with start_oidc_provider() as provider:
        httpx.put(
            f"{provider.issuer}/users/{person['email']}",
            json={"email": person["email"], "email_verified": True},
            timeout=10,
        ).raise_for_status()
        api(
            "profiles",
            "PUT",
            f"/v1/orgs/{org['id']}/sso",
            json={
                "issuer": provider.issuer,
                "client_id": "peerlearn-web",
                "client_secret": "s3cret-for-the-test",
                "allowed_domains": ["web-e2e.test"],
            },
        )
        page = new_page()
        page.goto("/sign-in")
        page.get_by_label("Organisation id").fill(org["id"])
        page.get_by_role("button", name="Continue to your organisation").click()
        page.wait_for_url(re.compile(re.escape(provider.issuer)))
        page.locator("input[name=sub]").fill(person["email"])
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(r"127\.0\.0\.1:\d+/$"), timeout=10_000)
        assert page.get_by_role("heading", name="Hello, Sven Sso").is_visible()


def test_pages_fit_a_phone_and_work_from_the_keyboard(
    system: System, api: Api, org: dict[str, Any], new_page: Any
) -> None:
    public = api("forum", "POST", "/v1/spaces", json={"name": "Community Q&A", "visibility": "public"})
    page = new_page(phone=True)
    page.goto(f"/spaces/{public['id']}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than the phone's screen
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    levels = page.evaluate("() => [...document.querySelectorAll('h1,h2,h3')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    screenshot(page, "phone-space")
