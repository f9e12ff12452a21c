"""The insights pages in a real browser: an org admin opens the programme report with its charts
and the learning network's picture (its broker named), and a learner opens their learning record
— each from the navigation, over the whole system as ``peerlearn up --lrs`` starts it, whose
Ralph LRS then holds one xAPI statement per learning act, none twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from peerlearn.runner import System
from peerlearn.testing.system import running_system

from .conftest import ADMIN, Api, screenshot, sign_in_with_link, until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """This module's system also runs the Ralph LRS, as ``peerlearn up --lrs`` does."""
    with running_system(tmp_path_factory.mktemp("peerlearn-web-e2e-lrs"), ADMIN, lrs=True) as running:
        yield running


def _loaded(page: Any, selector: str) -> bool:
    """Whether the image decoded (a broken or refused SVG has no natural width)."""
    return bool(page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0"))


def test_an_admin_reads_the_report_and_the_network_and_a_learner_their_record(
    api: Api, new_page: Any, system: System
) -> None:
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Insight Journeys", "kind": "partner"})
    admin = api.person(org["id"], "Ada Admin", roles=["org_admin"])
    helper = api.person(org["id"], "Hana Helper")
    askers = [api.person(org["id"], name) for name in ("Ali Asker", "Bea Beginner")]
    space = api(
        "forum", "POST", "/v1/spaces", json={"name": "Insight Q&A", "visibility": "org", "org_id": org["id"]}
    )
    token = {
        p["id"]: api("profiles", "POST", "/v1/tokens", json={"person_id": p["id"]})["token"]
        for p in (helper, *askers)
    }
    titles = ("How do I read a flame graph?", "Where do I start with dbt?")
    for asker, title in zip(askers, titles, strict=True):
        body = {"kind": "question", "title": title, "body": "Any pointers?", "tags": ["profiling"]}
        thread = api("forum", "POST", f"/v1/spaces/{space['id']}/threads", token[asker["id"]], json=body)
        post = api(
            "forum",
            "POST",
            f"/v1/threads/{thread['id']}/posts",
            token[helper["id"]],
            json={"body": "Start here."},
        )
        api(
            "forum",
            "POST",
            f"/v1/threads/{thread['id']}/accept",
            token[asker["id"]],
            json={"post_id": post["id"]},
        )

    def applied() -> bool:  # insights has every acceptance (it learns from the streams)
        report = api("insights", "GET", f"/v1/orgs/{org['id']}/report", ADMIN)
        return bool(report["questions"]["answered"] == 2)

    until(applied, timeout=90)

    page = new_page()
    sign_in_with_link(page, api.link_for(admin))
    page.get_by_role("link", name="Report", exact=True).click()
    assert page.get_by_role("heading", name="Programme report", level=1).is_visible()
    figures = page.get_by_role("list", name="Key figures").inner_text()
    assert "Questions asked: 2, answered: 2, within 24 h: 2" in figures
    assert page.get_by_role("img", name="Charts: suggestions made").is_visible()
    until(lambda: _loaded(page, "figure.chart img"), timeout=20)
    screenshot(page, "report")
    page.goto("/admin/report?from=2020-01-01&to=2099-12-31")  # a window reaches the charts too
    assert "Questions asked: 2, answered: 2" in page.get_by_role("list", name="Key figures").inner_text()
    until(lambda: _loaded(page, "figure.chart img"), timeout=20)

    page.get_by_role("link", name="The learning network").click()
    assert page.get_by_role("heading", name="Learning network", level=1).is_visible()
    until(lambda: _loaded(page, "figure.network img"), timeout=20)
    brokers = page.get_by_role("table", name="People on the paths between others")
    assert "Hana Helper" in brokers.inner_text()  # the one between the two askers
    assert "Ada Admin" in page.locator("main").inner_text()  # never helped or was helped
    screenshot(page, "network")

    learner = new_page()
    sign_in_with_link(learner, api.link_for(askers[0]))
    assert learner.get_by_role("link", name="Report", exact=True).count() == 0  # not an admin
    learner.get_by_role("link", name="Learning record").click()
    assert learner.get_by_role("heading", name="Your learning record").is_visible()
    rows = learner.get_by_role("table").inner_text()
    assert "Asked a question" in rows and "Accepted an answer" in rows
    assert learner.get_by_role("link", name=titles[0]).count() >= 1
    screenshot(learner, "learning-record")
    learner.goto("/admin/network")
    assert learner.get_by_role("heading", name="Not found").is_visible()

    # Every learning act of the three reached the LRS as one statement: the ids the learning
    # records give (UUIDv5 of the act) are exactly those Ralph holds. (Ralph drops a statement
    # whose id it holds already, so a re-sent one cannot show here as a second copy: the ids
    # derived from the act are what keeps the LRS free of doubles, and what this checks.)
    assert system.lrs is not None
    expected: set[str] = set()
    for person in (helper, *askers):
        record = api(
            "insights", "GET", f"/v1/people/{person['id']}/learning-record", ADMIN, params={"format": "xapi"}
        )
        expected |= {s["id"] for s in record["statements"]}
    assert len(expected) >= 6  # two asked, two answered, two accepted answers, two acceptances

    def stored() -> list[str]:
        ids = [s["id"] for s in system.lrs.statements("peerlearn")]  # type: ignore[union-attr]
        return ids if set(ids) >= expected else []

    ids = until(stored, timeout=60)
    assert len(ids) == len(set(ids)) and set(ids) == expected
