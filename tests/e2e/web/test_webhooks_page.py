"""The org admin's webhooks page in a real browser, against the whole system and a real HTTP
receiver: reached from the org settings page; a Slack-format webhook added gets a test message
at once and its delivery shows as delivered; a JSON one shows its secret once and the receiver
verifies the test's signature with it; a bad address is refused beside its field; disable,
enable and delete."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from peerlearn.runner import System
from peerlearn.testing.system import running_system

from .conftest import ADMIN, Api, screenshot, sign_in_with_link, until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The system, its notify allowed to post to the receiver on 127.0.0.1."""
    with running_system(
        tmp_path_factory.mktemp("peerlearn-web-hooks"),
        ADMIN,
        PEERLEARN_WEBHOOK_ALLOW_PRIVATE="1",
        PEERLEARN_NOTIFY_WEBHOOK_POLL_SECONDS="0.2",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def received() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    """A receiver on a free port: its base URL and every (path, headers, body) posted to it."""
    got: list[tuple[str, dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()


def _add(page: Any, url: str, format: str) -> None:
    page.get_by_label("Address").fill(url)
    page.get_by_label("Slack-compatible chat message" if format == "slack" else "Signed JSON").check()
    page.get_by_role("button", name="Add and send a test").click()


def test_an_org_admin_adds_tests_pauses_and_deletes_webhooks(
    system: System, api: Api, new_page: Any, received: tuple[str, list[Any]]
) -> None:
    base, got = received
    org = api("profiles", "POST", "/v1/orgs", json={"name": "Hooks Web", "kind": "partner"})
    admin = api.person(org["id"], "Hana Admin", roles=["org_admin"])
    token = api("profiles", "POST", "/v1/tokens", json={"person_id": admin["id"]})["token"]
    # notify learns the admin from profiles' events; until then the org's webhooks are not theirs.
    until(
        lambda: (
            api.clients["notify"]
            .get(f"/v1/orgs/{org['id']}/webhooks", headers={"Authorization": f"Bearer {token}"})
            .status_code
            == 200
        )
    )
    page = new_page()
    sign_in_with_link(page, api.link_for(admin))
    page.goto("/admin/sso")
    page.get_by_role("link", name="chat and JSON webhooks").click()
    page.wait_for_url(re.compile(r"/admin/webhooks$"))
    assert page.get_by_text("No webhooks yet.").is_visible()

    _add(page, "ftp://hooks.example/x", "slack")
    page.wait_for_load_state()
    assert "http" in page.locator("#url-error").inner_text()

    _add(page, f"{base}/chat/T000/B000/secretpart", "slack")
    page.wait_for_url(re.compile(r"done=added$"))
    assert "A test was sent" in page.get_by_role("status").first.inner_text()
    until(lambda: [g for g in got if g[0].startswith("/chat/")])
    (_, headers, body) = next(g for g in got if g[0].startswith("/chat/"))
    assert headers["x-peerlearn-event"] == "test" and "peerlearn test" in json.loads(body)["text"]
    # The page names the address by its host and end only: a Slack URL is itself the credential.
    assert page.get_by_role("heading", name=re.compile(r"127\.0\.0\.1:\d+.…part")).is_visible()
    assert "secretpart" not in page.content().replace("…part", "")

    def delivered() -> bool:
        page.reload()
        return bool(page.locator("td.delivery-delivered").count())

    until(delivered)
    assert "HTTP 200" in page.locator("table").first.inner_text()

    _add(page, f"{base}/json", "json")
    page.wait_for_url(re.compile(r"done=added$"))
    secret = page.locator("#webhook-secret").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    until(lambda: [g for g in got if g[0] == "/json"])
    (_, headers, body) = next(g for g in got if g[0] == "/json")
    mac = hmac.new(secret.encode(), headers["x-peerlearn-timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["x-peerlearn-signature"] == f"sha256={mac.hexdigest()}"
    page.reload()
    assert page.locator("#webhook-secret").count() == 0  # shown that once
    screenshot(page, "admin-webhooks")

    chat = page.get_by_role("region", name=re.compile(r"…part$"))
    chat.get_by_role("button", name=re.compile("^Disable")).click()
    page.wait_for_url(re.compile(r"done=disable$"))
    chat = page.get_by_role("region", name=re.compile(r"…part$"))
    assert "off (disabled by an admin)" in chat.inner_text()
    assert chat.get_by_role("button", name=re.compile("^Send a test")).count() == 0
    chat.get_by_role("button", name=re.compile("^Enable")).click()
    page.wait_for_url(re.compile(r"done=enable$"))
    chat = page.get_by_role("region", name=re.compile(r"…part$"))
    assert " on" in chat.inner_text()
    chat.get_by_role("button", name=re.compile("^Delete")).click()
    page.wait_for_url(re.compile(r"done=delete$"))
    assert page.get_by_role("region", name=re.compile(r"…part$")).count() == 0
    assert page.get_by_role("region", name=re.compile(r"…json$")).count() == 1
