"""The web app in this process (Litestar's TestClient) over real upstream services started as
`peerlearn up` starts them (NATS, profiles, forum, matcher as processes).

Until people sign in through a page, tests get a person's token from profiles'
``POST /v1/tokens`` (platform admin) and put it into the session through the test client's
``set_session_data`` — a path that exists only in tests: production has no way to write a
session but the sign-in pages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from peerlearn.runner import System, free_port
from peerlearn.testing.system import running_system
from peerlearn_web.app import create_app
from peerlearn_web.domain.caller import Caller
from peerlearn_web.settings import load

ADMIN = "web-it-admin-token-" + "w" * 30
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


# One system for every module of this folder (each module sets up orgs, people and spaces of its
# own): starting it is most of a module's cost. It stops as soon as the run leaves the folder.
_shared = ExitStack()


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with _shared:
        yield _shared.enter_context(running_system(tmp_path_factory.mktemp("peerlearn-web"), ADMIN))


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the shared system after this folder's last test, not at the end of the session."""
    if nextitem is None or nextitem.path.parent != item.path.parent:
        _shared.close()


class Api:
    """Direct calls to the upstream services, to set up what the pages then show."""

    def __init__(self, system: System) -> None:
        self.clients = {name: httpx.Client(base_url=url, timeout=30) for name, url in system.urls.items()}

    def __call__(self, service: str, method: str, path: str, token: str = ADMIN, **kw: Any) -> Any:
        response = self.clients[service].request(
            method, path, headers={"Authorization": f"Bearer {token}"}, **kw
        )
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else None

    def person(self, org_id: str, name: str, **body: Any) -> tuple[dict[str, Any], str]:
        """A new person of ``org_id`` and a token for them."""
        email = f"{name.split()[0].lower()}.{free_port()}@web.test"
        created = self(
            "profiles",
            "POST",
            f"/v1/orgs/{org_id}/people",
            json={"display_name": name, "email": email, **body},
        )
        token = self("profiles", "POST", "/v1/tokens", json={"person_id": created["id"]})["token"]
        self.known_to_forum(created["id"])
        return created, token

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


@pytest.fixture(scope="module")
def api(system: System) -> Api:
    return Api(system)


def web_env(system: System, **extra: str) -> dict[str, str]:
    """The environment the web service reads its settings from, pointing at ``system``."""
    return {
        "PEERLEARN_DATA_DIR": system.env["PEERLEARN_DATA_DIR"],
        "PEERLEARN_PROFILES_PORT": system.env["PEERLEARN_PROFILES_PORT"],
        "PEERLEARN_FORUM_PORT": system.env["PEERLEARN_FORUM_PORT"],
        "PEERLEARN_MATCHER_PORT": system.env["PEERLEARN_MATCHER_PORT"],
        **extra,
    }


@pytest.fixture
def browser(system: System) -> Iterator[TestClient[Any]]:
    """A fresh browser (cookie jar) on a web app in this process, not following redirects."""
    app = create_app(load(web_env(system)))
    with TestClient(app=app, session_config=app.state.session_config) as client:
        client.follow_redirects = False
        yield client


@pytest.fixture
def new_browser(system: System) -> Iterator[Callable[..., TestClient[Any]]]:
    """``new_browser(**env)``: another browser, on a web app configured with ``env`` on top."""
    opened: list[TestClient[Any]] = []

    def make(**extra: str) -> TestClient[Any]:
        app = create_app(load(web_env(system, **extra)))
        client = TestClient(app=app, session_config=app.state.session_config)
        client.__enter__()
        client.follow_redirects = False
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def sign_in_as(client: TestClient[Any], person: dict[str, Any], token: str) -> None:
    """Test-only: put a signed-in person into the client's session."""
    caller = Caller(
        person_id=person["id"],
        token=token,
        display_name=person["display_name"],
        org_id=person["org_id"],
        roles=tuple(person.get("roles") or ()),
    )
    client.set_session_data(caller.as_session())


def csrf_of(html: str) -> str:
    """The CSRF token a rendered form carries."""
    match = CSRF_FIELD.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def submit(client: TestClient[Any], page: str, action: str, **fields: Any) -> httpx.Response:
    """GET ``page`` (as a browser would), then POST its form to ``action`` with ``fields``."""
    shown = client.get(page)
    assert shown.status_code == 200, (page, shown.status_code, shown.text[:500])
    return client.post(action, data={"_csrf_token": csrf_of(shown.text), **fields})
