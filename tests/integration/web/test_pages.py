"""Pages against the real upstream services: public reading, sign-in required, the profile
editor, asking / answering / accepting, search, and the errors a person can act on."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient

from peerlearn.runner import free_port

from .conftest import Api, csrf_of, sign_in_as, submit

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(api: Api) -> dict[str, Any]:
    """Two orgs, a public space and an org space, a few people."""
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Web Analytics", "kind": "partner"})
    other = api("profiles", "POST", "/v1/orgs", json={"name": "Elsewhere Ltd", "kind": "partner"})
    learner, learner_token = api.person(
        org["id"],
        "Lena Learner",
        timezone="Europe/Paris",
        weekly_hours=3,
        goal="write fast SQL reports",
        skills=[{"name": "SQL", "level": 1, "wants": True}],
    )
    colleague, colleague_token = api.person(org["id"], "Carl Colleague", skills=[{"name": "SQL", "level": 4}])
    outsider, outsider_token = api.person(other["id"], "Otto Outsider")
    public = api("forum", "POST", "/v1/spaces", json={"name": "Open Community", "visibility": "public"})
    private = api(
        "forum",
        "POST",
        "/v1/spaces",
        json={"name": "Analytics Team", "visibility": "org", "org_id": org["id"]},
    )
    return {
        "org": org,
        "other": other,
        "learner": (learner, learner_token),
        "colleague": (colleague, colleague_token),
        "outsider": (outsider, outsider_token),
        "public": public,
        "private": private,
    }


def until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: last {value!r}")
        time.sleep(0.3)


def test_public_space_and_its_threads_are_readable_without_signing_in(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    _, token = world["learner"]
    thread = api(
        "forum",
        "POST",
        f"/v1/spaces/{world['public']['id']}/threads",
        token,
        json={
            "title": "How do I read an EXPLAIN plan?",
            "body": "It is **long** <script>alert(1)</script> [x](javascript:alert(2))",
            "tags": ["sql"],
        },
    )
    home = browser.get("/")
    assert home.status_code == 200 and "Open Community" in home.text
    assert "Analytics Team" not in home.text  # an org space is not shown to anonymous readers
    space = browser.get(f"/spaces/{world['public']['id']}")
    assert "How do I read an EXPLAIN plan?" in space.text
    page = browser.get(f"/threads/{thread['id']}")
    assert page.status_code == 200
    assert "<strong>long</strong>" in page.text
    assert "<script>alert(1)" not in page.text and 'href="javascript:' not in page.text
    assert "Sign in to answer" in page.text


def test_an_org_thread_is_a_404_page_for_anonymous_readers_and_outsiders(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    _, token = world["learner"]
    thread = api(
        "forum",
        "POST",
        f"/v1/spaces/{world['private']['id']}/threads",
        token,
        json={"title": "Our quarterly numbers query", "body": "internal"},
    )
    anonymous = browser.get(f"/threads/{thread['id']}")
    assert anonymous.status_code == 404 and "Not found" in anonymous.text
    assert "Our quarterly numbers" not in anonymous.text
    outsider, outsider_token = world["outsider"]
    sign_in_as(browser, outsider, outsider_token)
    seen = browser.get(f"/threads/{thread['id']}")
    assert seen.status_code == 404 and "Our quarterly numbers" not in seen.text
    assert browser.get("/no/such/page").status_code == 404
    colleague, colleague_token = world["colleague"]
    sign_in_as(browser, colleague, colleague_token)
    assert "Our quarterly numbers" in browser.get(f"/threads/{thread['id']}").text


def test_pages_for_signed_in_people_send_others_to_sign_in_and_back(browser: TestClient[Any]) -> None:
    response = browser.get("/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fprofile"


def test_profile_editor_saves_skills_goal_hours_and_consent(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    person, token = api.person(world["org"]["id"], "Petra Profile")
    sign_in_as(browser, person, token)
    saved = submit(
        browser,
        "/profile",
        "/profile",
        display_name="Petra Profile",
        goal="lead data projects",
        skills_have="Python: 4\nStatistics: 3",
        skills_want="SQL: 2",
        timezone="Europe/Berlin",
        weekly_hours="5",
        bio="",
        open_to_external="on",
    )
    assert saved.status_code == 303, saved.text[:500]
    stored = api("profiles", "GET", f"/v1/people/{person['id']}")
    assert stored["goal"] == "lead data projects" and stored["timezone"] == "Europe/Berlin"
    assert stored["weekly_hours"] == 5 and stored["open_to_external"] is True
    assert {(s["name"], s["level"], s["wants"]) for s in stored["skills"]} == {
        ("Python", 4, False),
        ("Statistics", 3, False),
        ("SQL", 2, True),
    }
    page = browser.get("/profile?saved=1")
    assert "Python: 4" in page.text and "Saved." in page.text


def test_profile_errors_are_shown_beside_their_field_and_nothing_changes(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    person, token = api.person(world["org"]["id"], "Tim Timezone", timezone="UTC")
    sign_in_as(browser, person, token)
    refused = submit(
        browser,
        "/profile",
        "/profile",
        display_name="Tim Timezone",
        timezone="Mars/Olympus",
        weekly_hours="2",
    )
    assert refused.status_code == 400
    assert (
        'id="timezone-error"' in refused.text
        and 'aria-invalid="true" aria-describedby="timezone-error"' in refused.text
    )
    assert 'value="Mars/Olympus"' in refused.text  # what they typed is kept
    bad_level = submit(browser, "/profile", "/profile", display_name="Tim Timezone", skills_have="SQL: 9")
    assert bad_level.status_code == 400 and 'id="skills_have-error"' in bad_level.text
    assert api("profiles", "GET", f"/v1/people/{person['id']}")["timezone"] == "UTC"


def test_ask_answer_and_accept(new_browser: Any, api: Api, world: dict[str, Any]) -> None:
    learner, learner_token = world["learner"]
    colleague, colleague_token = world["colleague"]
    space = world["private"]["id"]
    asker, answerer = new_browser(), new_browser()
    sign_in_as(asker, learner, learner_token)
    empty = submit(
        asker, f"/spaces/{space}/ask", f"/spaces/{space}/ask", kind="question", title="  ", body="x"
    )
    assert empty.status_code == 400 and 'id="title-error"' in empty.text
    no_url = submit(
        asker, f"/spaces/{space}/ask", f"/spaces/{space}/ask", kind="resource", title="A good talk"
    )
    assert no_url.status_code == 400 and 'id="url-error"' in no_url.text  # the forum's 400, beside its field
    asked = submit(
        asker,
        f"/spaces/{space}/ask",
        f"/spaces/{space}/ask",
        kind="question",
        title="Window functions or GROUP BY?",
        body="Which is *faster*?",
        tags="sql postgresql",
    )
    assert asked.status_code == 303, asked.text[:500]
    thread_path = asked.headers["location"]
    thread_id = thread_path.rsplit("/", 1)[1]
    assert api("forum", "GET", f"/v1/threads/{thread_id}", learner_token)["tags"] == ["sql", "postgresql"]

    sign_in_as(answerer, colleague, colleague_token)
    answered = submit(answerer, thread_path, f"{thread_path}/answer", body="Window functions, with an index.")
    assert answered.status_code == 303
    [post] = api("forum", "GET", f"/v1/threads/{thread_id}", learner_token)["posts"]
    page = asker.get(thread_path)
    assert "Accept this answer" in page.text
    assert "Accept this answer" not in answerer.get(thread_path).text  # only the asker may accept
    accepted = asker.post(
        f"{thread_path}/accept", data={"_csrf_token": csrf_of(page.text), "post_id": post["id"]}
    )
    assert accepted.status_code == 303
    assert api("forum", "GET", f"/v1/threads/{thread_id}", learner_token)["accepted_post_id"] == post["id"]
    assert "Accepted answer" in asker.get(thread_path).text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    person, token = api.person(world["org"]["id"], "Cora Csrf", goal="before")
    sign_in_as(browser, person, token)
    refused = browser.post("/profile", data={"display_name": "Cora Csrf", "goal": "after"})
    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert api("profiles", "GET", f"/v1/people/{person['id']}")["goal"] == "before"


def test_search_finds_what_the_reader_may_see(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    _, token = world["learner"]
    api(
        "forum",
        "POST",
        f"/v1/spaces/{world['public']['id']}/threads",
        token,
        json={"title": "Vacuum tuning for busy tables", "body": "autovacuum settings"},
    )
    api(
        "forum",
        "POST",
        f"/v1/spaces/{world['private']['id']}/threads",
        token,
        json={"title": "Vacuum schedule of our warehouse", "body": "internal"},
    )
    found = browser.get("/search", params={"q": "vacuum"})
    assert found.status_code == 200
    assert "Vacuum tuning for busy tables" in found.text
    assert "Vacuum schedule of our warehouse" not in found.text


def test_an_expired_session_asks_to_sign_in_again_and_ends_the_session(
    browser: TestClient[Any], world: dict[str, Any]
) -> None:
    learner, _ = world["learner"]
    sign_in_as(browser, learner, "not-a-valid-token")
    page = browser.get("/profile")
    assert page.status_code == 401 and "Sign in again" in page.text
    assert browser.get("/profile").status_code == 303  # the session is gone


def test_sign_out_ends_the_session_on_the_server(browser: TestClient[Any], world: dict[str, Any]) -> None:
    learner, token = world["learner"]
    client = browser
    sign_in_as(client, learner, token)
    assert client.get("/profile").status_code == 200
    stolen = dict(client.cookies)
    out = submit(client, "/profile", "/sign-out")
    assert out.status_code == 303
    client.cookies.clear()
    for name, value in stolen.items():
        client.cookies.set(name, value)
    assert client.get("/profile").status_code == 303  # the old cookie names no session any more


def test_a_service_that_does_not_answer_gets_a_page_naming_it(
    new_browser: Any, world: dict[str, Any]
) -> None:
    learner, token = world["learner"]
    client = new_browser(PEERLEARN_WEB_PROFILES_URL=f"http://127.0.0.1:{free_port()}")
    sign_in_as(client, learner, token)
    page = client.get("/profile")
    assert page.status_code == 503
    assert "Profiles is not answering" in page.text and "Traceback" not in page.text
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["profiles"].startswith("down")
    assert client.get(f"/spaces/{world['public']['id']}").status_code == 200  # the forum still answers


def test_sign_in_by_link_page_gives_a_new_session_id_and_a_used_link_says_so(
    new_browser: Any, api: Api, world: dict[str, Any]
) -> None:
    person, _ = api.person(world["org"]["id"], "Fiona Fixation")
    link = api("profiles", "POST", f"/v1/people/{person['id']}/sign-in-link")["url"]
    path = "/sign-in/" + link.rsplit("/sign-in/", 1)[1]
    victim, attacker = new_browser(), new_browser()
    planted = "f" * 64
    victim.cookies.set("peerlearn_session", planted, domain="testserver.local")
    attacker.cookies.set("peerlearn_session", planted, domain="testserver.local")
    shown = victim.get(path)
    assert shown.status_code == 200 and "Press the button to sign in" in shown.text
    signed = victim.post(path, data={"_csrf_token": csrf_of(shown.text)})
    assert signed.status_code == 303
    assert victim.cookies.get("peerlearn_session") not in (None, planted)
    assert victim.get("/profile").status_code == 200
    assert attacker.get("/profile").status_code == 303  # the planted id signed nobody in
    again = submit(new_browser(), path, path)
    assert again.status_code == 400 and "used" in again.text


def test_home_shows_suggestions_with_reasons_and_a_declined_one_does_not_come_back(
    browser: TestClient[Any], api: Api, world: dict[str, Any]
) -> None:
    org_id = world["org"]["id"]
    learner, token = api.person(
        org_id,
        "Dora Decline",
        timezone="Europe/Paris",
        weekly_hours=3,
        skills=[{"name": "Terraform", "level": 1, "wants": True}],
    )
    mentor, _ = api.person(
        org_id,
        "Tara Terraform",
        roles=["mentor"],
        mentor_capacity=2,
        weekly_hours=4,
        timezone="Europe/Berlin",
        skills=[{"name": "Terraform", "level": 5}],
    )
    sign_in_as(browser, learner, token)

    def card() -> str:
        page = browser.get("/").text
        return page if "Tara Terraform" in page else ""

    page = until(card, timeout=90)
    assert "you want Terraform (1) — they have Terraform (5)" in page
    [suggestion] = [
        s
        for s in api("matcher", "GET", f"/v1/people/{learner['id']}/suggestions", token)["items"]
        if s["candidate_id"] == mentor["id"]
    ]
    declined = browser.post(f"/suggestions/{suggestion['id']}/decline", data={"_csrf_token": csrf_of(page)})
    assert declined.status_code == 303 and declined.headers["location"] == "/?done=decline"
    after = browser.get("/?done=decline").text
    assert "Declined." in after and "Tara Terraform" not in after
    left = api("matcher", "GET", f"/v1/people/{learner['id']}/suggestions", token)["items"]
    assert mentor["id"] not in [s["candidate_id"] for s in left]
    part = browser.get("/home/suggestions")
    assert part.status_code == 200 and "Tara Terraform" not in part.text and "<html" not in part.text


def test_votes_flags_and_the_moderation_queue(new_browser: Any, api: Api, world: dict[str, Any]) -> None:
    org_id = world["org"]["id"]
    admin, admin_token = api.person(org_id, "Mo Moderator", roles=["org_admin"])
    _, author_token = api.person(org_id, "Sp Spammer")
    thread = api(
        "forum",
        "POST",
        f"/v1/spaces/{world['private']['id']}/threads",
        author_token,
        json={"title": "Cheap watches", "body": "see below"},
    )
    post = api(
        "forum", "POST", f"/v1/threads/{thread['id']}/posts", author_token, json={"body": "buy now!!!"}
    )
    path = f"/threads/{thread['id']}"
    for n in range(3):
        flagger, flagger_token = api.person(org_id, f"Fl{n} Flagger")
        browser = new_browser()
        sign_in_as(browser, flagger, flagger_token)
        if n == 0:
            voted = submit(browser, path, f"/posts/{post['id']}/vote", value="-1", thread_id=thread["id"])
            assert voted.status_code == 303
        flagged = submit(browser, path, f"/posts/{post['id']}/flag", reason="spam", thread_id=thread["id"])
        assert flagged.status_code == 303 and flagged.headers["location"].endswith("?flagged=1")
    moderator = new_browser()
    sign_in_as(moderator, admin, admin_token)
    queue = moderator.get("/moderation")
    assert queue.status_code == 200 and "buy now!!!" in queue.text and "spam" in queue.text
    assert "buy now!!!" not in new_browser().get(path).text  # hidden from everyone else
    restored = moderator.post(f"/moderation/{post['id']}/restore", data={"_csrf_token": csrf_of(queue.text)})
    assert restored.status_code == 303
    assert "buy now!!!" not in moderator.get("/moderation").text
    shown = api("forum", "GET", f"/v1/threads/{thread['id']}", admin_token)["posts"]
    assert [p["id"] for p in shown] == [post["id"]] and shown[0]["score"] == -1


def test_cohort_invitation_joined_by_the_partner_admin_and_sso_settings(
    new_browser: Any, api: Api, world: dict[str, Any]
) -> None:
    owner_admin, owner_token = api.person(world["org"]["id"], "Olive Owner", roles=["org_admin"])
    partner_admin, partner_token = api.person(world["other"]["id"], "Pat Partner", roles=["org_admin"])
    owner, partner = new_browser(), new_browser()
    sign_in_as(owner, owner_admin, owner_token)
    sign_in_as(partner, partner_admin, partner_token)
    created = submit(owner, "/admin/cohorts", "/admin/cohorts", name="Data Guild", topic="analytics")
    assert created.status_code == 303
    cohort_path = created.headers["location"]
    cohort_id = cohort_path.rsplit("/", 1)[1]
    invited = submit(owner, cohort_path, f"{cohort_path}/invitations", org_id=world["other"]["id"])
    assert invited.status_code == 303
    listing = partner.get("/admin/cohorts")
    assert "Your organisation is invited." in listing.text
    joined = partner.post(f"{cohort_path}/join", data={"_csrf_token": csrf_of(listing.text)})
    assert joined.status_code == 303
    cohort = api("profiles", "GET", f"/v1/cohorts/{cohort_id}")
    assert world["other"]["id"] in cohort["member_org_ids"]

    saved = submit(
        owner,
        "/admin/sso",
        "/admin/sso",
        issuer="http://localhost:9999",
        client_id="peerlearn",
        client_secret="a-secret-never-shown",
        allowed_domains="web.test",
        enabled="on",
    )
    assert saved.status_code == 303, saved.text[:300]
    page = owner.get("/admin/sso?saved=1").text
    assert f"/sign-in/sso/{world['org']['id']}" in page and "a-secret-never-shown" not in page
    no_domain = submit(
        owner,
        "/admin/sso",
        "/admin/sso",
        issuer="http://localhost:9999",
        client_id="x",
        client_secret="s",
        allowed_domains="",
    )
    assert no_domain.status_code == 400 and 'id="allowed_domains-error"' in no_domain.text


@pytest.mark.redis
def test_replicas_share_sessions_in_redis_and_sign_out_on_one_ends_it_on_both(
    new_browser: Any, api: Api, world: dict[str, Any], redis_url: str
) -> None:
    person, _ = api.person(world["org"]["id"], "Rhea Replica")
    link = api("profiles", "POST", f"/v1/people/{person['id']}/sign-in-link")["url"]
    path = "/sign-in/" + link.rsplit("/sign-in/", 1)[1]
    first, second = new_browser(PEERLEARN_REDIS_URL=redis_url), new_browser(PEERLEARN_REDIS_URL=redis_url)
    assert submit(first, path, path).status_code == 303
    for name, value in first.cookies.items():
        second.cookies.set(name, value, domain="testserver.local")
    assert second.get("/profile").status_code == 200  # the other replica knows the session
    out = submit(second, "/profile", "/sign-out")
    assert out.status_code == 303
    assert first.get("/profile").status_code == 303  # ended for every replica
