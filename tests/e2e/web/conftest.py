"""Journeys in a real Chromium (Debian's ``chromium``, driven by Playwright for Python) against
the whole system started as ``peerlearn up`` starts it, web service included.

A missing browser skips these tests naming what is missing; with ``CI=true`` it fails them.
Screenshots of the main pages go to ``docs/screenshots/``.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from peerlearn.runner import System, free_port
from peerlearn.testing.servers import unavailable
from peerlearn.testing.system import running_system

ADMIN = "web-e2e-admin-token-" + "e" * 30
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
LINK = re.compile(r"(https?://[^\s\"<>]+/sign-in/[A-Za-z0-9_\-]+)")


# One system for the modules of this folder that need no system of their own (each journey sets up
# an org of its own): starting it is most of a module's cost. It stops once the run leaves the folder.
_shared = ExitStack()


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with _shared:
        yield _shared.enter_context(running_system(tmp_path_factory.mktemp("peerlearn-web-e2e"), ADMIN))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the shared system after this folder's last test, not at the end of the session."""
    if nextitem is None or nextitem.path.parent != item.path.parent:
        _shared.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (never a browser Playwright downloads)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package (pip install playwright)")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any, system: System) -> Iterator[Callable[..., Any]]:
    """``new_page(phone=False)``: a page in a browser context of its own (its own cookies)."""
    contexts: list[Any] = []

    def make(*, phone: bool = False) -> Any:
        size = {"width": 390, "height": 844} if phone else {"width": 1200, "height": 900}
        context = chromium.new_context(base_url=system.urls["web"], viewport=size)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of the page for docs/WEB.md."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class Api:
    """Direct calls to the upstream services, for what the journey takes as given."""

    def __init__(self, system: System) -> None:
        self.clients = {name: httpx.Client(base_url=url, timeout=30) for name, url in system.urls.items()}

    def __call__(self, service: str, method: str, path: str, token: str = ADMIN, **kw: Any) -> Any:
        response = self.clients[service].request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kw
        )
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    def person(self, org_id: str, name: str, **body: Any) -> dict[str, Any]:
        email_address = f"{name.split()[0].lower()}.{free_port()}@web-e2e.test"
        created = dict(
            self(
                "profiles",
                "POST",
                f"/v1/orgs/{org_id}/people",
                json={"display_name": name, "email": email_address, **body},
            )
        )
        self.known_to_forum(created["id"])
        return created

    def known_to_forum(self, person_id: str, timeout: float = 60.0) -> None:
        """Wait until the forum's read model has the person (it learns people from events; until
        then a new person is an anonymous reader there)."""
        deadline = time.monotonic() + timeout
        while (
            self.clients["forum"]
            .get(f"/v1/people/{person_id}", headers={"Authorization": f"Bearer {ADMIN}"})
            .status_code
            != 200
        ):
            assert time.monotonic() < deadline, f"the forum never learnt of person {person_id}"
            time.sleep(0.2)

    def link_for(self, person: dict[str, Any]) -> str:
        """A fresh sign-in link made by an admin (as onboarding or the demo do)."""
        return str(self("profiles", "POST", f"/v1/people/{person['id']}/sign-in-link")["url"])


@pytest.fixture(scope="module")
def api(system: System) -> Api:
    return Api(system)


def mailed_link(system: System, address: str, timeout: float = 30.0) -> str:
    """The sign-in link in the newest mail to ``address`` under ``<data dir>/mail/``."""
    folder = system.data_dir / "mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address.lower() in str(message["To"]).lower():
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                found = LINK.search(text)
                if found:
                    return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no sign-in mail to {address} in {folder}")


def until(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: last {value!r}")
        time.sleep(every)


def sign_in_with_link(page: Any, link: str) -> None:
    """Open a sign-in link and press its button, as a person would."""
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
