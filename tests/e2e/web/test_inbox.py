"""The inbox in a real browser: a question routed to an answerer shows up in their inbox page
(and its unread count in the header), a new one arrives live while the page is open (notify's
stream relayed by the web service), and "not my area" dismisses it (a decline in the matcher)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from peerlearn.runner import System

from .conftest import Api, screenshot, sign_in_with_link, until

pytestmark = pytest.mark.e2e


def _ask(api: Api, asker_token: str, space_id: str, title: str) -> str:
    body = {"kind": "question", "title": title, "body": "Our Terraform plan is slow.", "tags": ["terraform"]}
    return str(api("forum", "POST", f"/v1/spaces/{space_id}/threads", asker_token, json=body)["id"])


def _open_answerer_threads(api: Api, person_id: str) -> set[str]:
    page = api(
        "matcher", "GET", f"/v1/people/{person_id}/suggestions", params={"kind": "answerer", "limit": 100}
    )
    return {s["thread_id"] for s in page["items"]}


def test_a_routed_question_in_the_inbox_arrives_live_and_not_my_area_dismisses_it(
    system: System, api: Api, new_page: Any
) -> None:
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Inbox Web", "kind": "partner"})
    space = api(
        "forum", "POST", "/v1/spaces", json={"name": "Infra", "visibility": "org", "org_id": org["id"]}
    )
    asker = api.person(org["id"], "Tess Asker", skills=[{"name": "Terraform", "level": 1, "wants": True}])
    expert = api.person(
        org["id"],
        "Theo Terraform",
        bio="Terraform modules and state, every day.",
        skills=[{"name": "Terraform", "level": 5}, {"name": "AWS", "level": 4}],
    )
    asker_token = api("profiles", "POST", "/v1/tokens", json={"person_id": asker["id"]})["token"]
    expert_token = api("profiles", "POST", "/v1/tokens", json={"person_id": expert["id"]})["token"]
    # Questions are routed when asked: the matcher must know the answerer by then.
    until(
        lambda: (
            api.clients["matcher"]
            .get(
                f"/v1/people/{expert['id']}/suggestions", headers={"Authorization": f"Bearer {expert_token}"}
            )
            .status_code
            == 200
        )
    )
    first_title = "Why is terraform plan so slow on a big state?"
    first = _ask(api, asker_token, space["id"], first_title)

    page = new_page()
    sign_in_with_link(page, api.link_for(expert))
    page.goto("/inbox")
    routed = page.get_by_role("link", name=first_title)

    def shown() -> bool:
        if routed.count():
            return True
        page.reload()
        return False

    until(shown, timeout=120)
    assert page.get_by_role("heading", name="Inbox", level=1).is_visible()
    assert page.locator("#unread-count .count").inner_text().startswith("1")
    assert page.locator(".inbox-item.unread").count() == 1
    assert first in _open_answerer_threads(api, expert["id"])

    # A second question arrives while the page is open: no reload, the list and count refresh.
    second_title = "How do I split one Terraform state into modules?"
    _ask(api, asker_token, space["id"], second_title)
    page.get_by_role("link", name=second_title).wait_for(timeout=120_000)
    assert page.locator("#unread-count .count").inner_text().startswith("2")
    screenshot(page, "inbox")

    page.get_by_role("button", name=re.compile(f"^Not my area: .*{re.escape(first_title)}")).click()
    page.wait_for_url(re.compile(r"/inbox\?done=dismissed$"))
    assert page.get_by_role("status").inner_text().startswith("Dismissed.")
    assert page.locator(".inbox-item.unread").count() == 1
    assert page.locator(".inbox-item.unread", has_text=second_title).count() == 1
    assert first not in _open_answerer_threads(api, expert["id"])

    page.get_by_role("link", name="Notification settings").click()
    page.get_by_label("A question you may answer").select_option("daily")
    page.get_by_role("button", name="Save settings").click()
    assert page.get_by_role("status").inner_text() == "Your notification settings are saved."
