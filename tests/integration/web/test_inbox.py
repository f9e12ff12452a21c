"""The inbox in the web app against the real services (notify included): the header's unread
count, the inbox page with mark read / mark all read, "not my area" (a decline in the matcher,
GET changes nothing), the notification settings with errors beside their fields, and pages that
still work when notify does not answer."""

from __future__ import annotations

import time
from typing import Any

import pytest
from litestar.testing import TestClient

from peerlearn.runner import System, free_port

from .conftest import ADMIN, Api, csrf_of, sign_in_as, submit

pytestmark = pytest.mark.e2e


def until(check: Any, timeout: float = 180.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: last {value!r}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def routed(api: Api) -> dict[str, Any]:
    """An asker, an answerer who knows the topic, an org space and two questions routed to them."""
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Inbox Works", "kind": "partner"})
    asker, asker_token = api.person(
        org["id"], "Ada Asker", skills=[{"name": "Kubernetes", "level": 1, "wants": True}]
    )
    answerer, answerer_token = api.person(
        org["id"],
        "Kim Kubernetes",
        bio="I run Kubernetes clusters and Helm charts.",
        skills=[{"name": "Kubernetes", "level": 5}, {"name": "Helm", "level": 4}],
    )
    space = api(
        "forum", "POST", "/v1/spaces", json={"name": "Platform", "visibility": "org", "org_id": org["id"]}
    )
    # Questions are routed when asked: the matcher must know the answerer by then.
    until(
        lambda: (
            api.clients["matcher"]
            .get(
                f"/v1/people/{answerer['id']}/suggestions",
                headers={"Authorization": f"Bearer {answerer_token}"},
            )
            .status_code
            == 200
        )
    )
    threads = [
        api(
            "forum",
            "POST",
            f"/v1/spaces/{space['id']}/threads",
            asker_token,
            json={
                "kind": "question",
                "title": title,
                "body": "Our Kubernetes pods restart; how do I find why?",
                "tags": ["kubernetes"],
            },
        )["id"]
        for title in ("Why do my Kubernetes pods restart?", "Helm chart values for Kubernetes probes?")
    ]

    def routed_ids() -> list[str]:
        page = api("notify", "GET", f"/v1/people/{answerer['id']}/notifications", ADMIN)
        found = {i["thread_id"] for i in page["items"] if i["kind"] == "question_routed"}
        return threads if found >= set(threads) else []

    try:
        until(routed_ids)
    except AssertionError:
        seen = [api("matcher", "GET", f"/v1/threads/{t}/answerers", asker_token) for t in threads]
        inbox = api("notify", "GET", f"/v1/people/{answerer['id']}/notifications", ADMIN)
        raise AssertionError(f"not routed: matcher says {seen}, notify inbox {inbox}") from None
    return {"asker": (asker, asker_token), "answerer": (answerer, answerer_token), "threads": threads}


def _browser(new_browser: Any, system: System, **extra: str) -> TestClient[Any]:
    # The web's public address is the one notify writes its links with (as `peerlearn up` sets it).
    return new_browser(
        PEERLEARN_WEB_NOTIFY_URL=system.urls["notify"],
        PEERLEARN_WEB_PUBLIC_URL=system.env["PEERLEARN_PUBLIC_URL"],
        **extra,
    )


def _open_answerer_suggestions(api: Api, person: dict[str, Any], token: str) -> set[str]:
    page = api("matcher", "GET", f"/v1/people/{person['id']}/suggestions", token, params={"kind": "answerer"})
    return {s["thread_id"] for s in page["items"]}


def test_the_header_counts_unread_and_home_lists_the_latest(
    new_browser: Any, system: System, api: Api, routed: dict[str, Any]
) -> None:
    answerer, token = routed["answerer"]
    browser = _browser(new_browser, system)
    sign_in_as(browser, answerer, token)
    home = browser.get("/")
    assert home.status_code == 200
    assert '<span class="count">2<span class="visually-hidden"> unread</span></span>' in home.text
    assert "Why do my Kubernetes pods restart?" in home.text  # in "Questions for you", once
    assert "New for you" not in home.text  # routed questions are not listed twice

    # The asker's home lists what is new for them (an answer to their question), from notify.
    asker, asker_token = routed["asker"]
    api(
        "forum",
        "POST",
        f"/v1/threads/{routed['threads'][1]}/posts",
        token,
        json={"body": "Probes: use a startupProbe."},
    )
    until(lambda: api("notify", "GET", f"/v1/people/{asker['id']}/notifications", ADMIN)["unread"])
    asker_browser = _browser(new_browser, system)
    sign_in_as(asker_browser, asker, asker_token)
    asker_home = asker_browser.get("/")
    assert "New for you" in asker_home.text and 'data-inbox-live="/live/inbox"' in asker_home.text
    assert 'class="count"' in browser.get("/profile").text  # on every page
    assert browser.get("/sign-in").status_code in (200, 303)


def test_not_my_area_declines_the_routed_question_and_get_changes_nothing(
    new_browser: Any, system: System, api: Api, routed: dict[str, Any]
) -> None:
    answerer, token = routed["answerer"]
    first, second = routed["threads"]
    anonymous = _browser(new_browser, system)
    to_sign_in = anonymous.get(f"/not-my-area/{first}")
    assert (
        to_sign_in.status_code == 303 and "/sign-in?next=%2Fnot-my-area%2F" in to_sign_in.headers["location"]
    )

    browser = _browser(new_browser, system)
    sign_in_as(browser, answerer, token)
    inbox = browser.get("/inbox")
    assert inbox.status_code == 200
    assert inbox.text.count('class="inbox-item unread"') == 2
    assert f'action="/not-my-area/{first}"' in inbox.text and 'href="/threads/' in inbox.text
    assert first in _open_answerer_suggestions(api, answerer, token)

    confirm = browser.get(f"/not-my-area/{first}")  # the mail's link: a confirm page, nothing changes
    assert confirm.status_code == 200 and "Why do my Kubernetes pods restart?" in confirm.text
    assert first in _open_answerer_suggestions(api, answerer, token)
    no_csrf = browser.post(f"/not-my-area/{first}", data={})
    assert no_csrf.status_code == 403 and first in _open_answerer_suggestions(api, answerer, token)

    done = browser.post(f"/not-my-area/{first}", data={"_csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 303 and done.headers["location"] == "/inbox?done=dismissed"
    assert first not in _open_answerer_suggestions(api, answerer, token)
    feedback = api(
        "matcher",
        "GET",
        f"/v1/people/{answerer['id']}/suggestions",
        token,
        params={"kind": "answerer", "limit": 100},
    )
    assert all(s["thread_id"] != first for s in feedback["items"])
    after = browser.get("/inbox?done=dismissed")
    assert "Dismissed." in after.text and after.text.count('class="inbox-item unread"') == 1
    again = browser.post(f"/not-my-area/{first}", data={"_csrf_token": csrf_of(after.text)})
    assert again.headers["location"] == "/inbox?done=gone"  # already declined: said so, nothing breaks

    # Mark read one, then all; without JavaScript, plain forms.
    unread_page = browser.get("/inbox?unread=1")
    assert second in unread_page.text
    mark_all = browser.post("/inbox/read", data={"_csrf_token": csrf_of(unread_page.text), "all": "1"})
    assert mark_all.status_code == 303
    final = browser.get("/inbox")
    assert 'class="inbox-item unread"' not in final.text and 'class="count"' not in final.text
    assert api("notify", "GET", f"/v1/people/{answerer['id']}/notifications", token)["unread"] == 0


def test_notification_settings_show_errors_beside_their_fields(
    new_browser: Any, system: System, api: Api, routed: dict[str, Any]
) -> None:
    asker, token = routed["asker"]
    browser = _browser(new_browser, system)
    sign_in_as(browser, asker, token)
    shown = browser.get("/settings/notifications")
    assert shown.status_code == 200 and '<label for="kind-question_routed">' in shown.text
    # Every kind notify knows is on the page, those added after the web's labels too.
    known = api("notify", "GET", f"/v1/people/{asker['id']}/notification-settings", token)["kinds"]
    assert {"mentorship_declined", "mentorship_update", "webhook_disabled"} <= set(known)
    assert all(f'<label for="kind-{kind}">' in shown.text for kind in known)
    half = submit(
        browser,
        "/settings/notifications",
        "/settings/notifications",
        **{"kind-question_routed": "daily", "timezone": "UTC", "quiet_start": "22:00"},
    )
    assert half.status_code == 400 and 'id="quiet_end-error"' in half.text
    bad_zone = submit(
        browser,
        "/settings/notifications",
        "/settings/notifications",
        **{"kind-question_routed": "daily", "timezone": "Mars/Olympus"},
    )
    assert (
        bad_zone.status_code == 400
        and 'id="timezone-error"' in bad_zone.text
        and "Mars/Olympus" in bad_zone.text
    )
    saved = submit(
        browser,
        "/settings/notifications",
        "/settings/notifications",
        **{
            "kind-question_routed": "weekly",
            "kind-answer_posted": "off",
            "timezone": "Europe/Paris",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert saved.status_code == 303
    stored = api("notify", "GET", f"/v1/people/{asker['id']}/notification-settings", token)
    assert stored["kinds"]["question_routed"] == "weekly" and stored["kinds"]["answer_posted"] == "off"
    assert (stored["timezone"], stored["quiet_start"], stored["quiet_end"]) == (
        "Europe/Paris",
        "22:00",
        "07:00",
    )


def test_pages_work_without_notify_and_show_no_count(new_browser: Any, routed: dict[str, Any]) -> None:
    answerer, token = routed["answerer"]
    browser = new_browser(PEERLEARN_WEB_NOTIFY_URL=f"http://127.0.0.1:{free_port()}")
    sign_in_as(browser, answerer, token)
    home = browser.get("/")
    assert home.status_code == 200 and 'class="count"' not in home.text
    inbox = browser.get("/inbox")
    assert inbox.status_code == 503 and "Notify is not answering" in inbox.text
