"""Profiles' per-IP sign-in limit counts browsers, not the web service: the web forwards the
browser's address (X-Forwarded-For) and profiles, started by ``peerlearn up``, believes it from
the web's loopback address only.

Everything runs as ``peerlearn up`` runs it (real processes, real TCP). Each "browser" and the
direct caller connect from an address of their own on the loopback network (127.0.0.0/8 is all
local on Linux), so the services see three different clients.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from peerlearn.runner import System
from peerlearn.testing.system import running_system

ADMIN = "web-addresses-admin-token-" + "a" * 30
PER_IP = 2
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _loopback_alias_works(address: str) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    if not _loopback_alias_works("127.0.0.2"):
        pytest.skip("this system routes only 127.0.0.1 to loopback (the test needs 127.0.0.2..4)")
    with running_system(
        tmp_path_factory.mktemp("peerlearn-addresses"),
        ADMIN,
        PEERLEARN_PROFILES_SIGN_IN_MAILS_PER_IP=str(PER_IP),
        PEERLEARN_PROFILES_SIGN_IN_MAILS_PER_ADDRESS="1000",
        PEERLEARN_RATE_LIMIT_PER_MINUTE="100000",
    ) as running:
        yield running


def _client(base_url: str, source: str) -> httpx.Client:
    """A client whose connections come from ``source``."""
    return httpx.Client(base_url=base_url, timeout=30, transport=httpx.HTTPTransport(local_address=source))


def _ask_for_link_in_the_browser(browser: httpx.Client, email: str) -> int:
    """The sign-in form of the web app, as a browser fills it in: its status."""
    form = browser.get("/sign-in")
    assert form.status_code == 200, form.text
    token = CSRF_FIELD.search(form.text)
    assert token, form.text
    sent = browser.post("/sign-in", data={"email": email, "_csrf_token": token.group(1)})
    return sent.status_code


def test_two_browsers_get_their_own_limit_and_a_direct_callers_forgery_counts_for_nothing(
    system: System,
) -> None:
    web, profiles = system.urls["web"], system.urls["profiles"]
    with _client(web, "127.0.0.2") as ana, _client(web, "127.0.0.3") as ben:
        ana_statuses = [_ask_for_link_in_the_browser(ana, f"ana{n}@example.org") for n in range(PER_IP + 1)]
        # Ben's browser has its own count: the web's own address is not what profiles counts.
        ben_statuses = [_ask_for_link_in_the_browser(ben, f"ben{n}@example.org") for n in range(PER_IP)]
    assert ana_statuses == [200] * PER_IP + [429], ana_statuses
    assert ben_statuses == [200] * PER_IP, ben_statuses

    with _client(profiles, "127.0.0.4") as direct:
        answers: list[Any] = []
        for n in range(PER_IP + 1):
            # A new forged address each time, as if the requests came through a proxy.
            forged = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            answers.append(
                direct.post("/v1/sign-in/email", json={"email": f"cy{n}@example.org"}, headers=forged)
            )
    assert [a.status_code for a in answers] == [202] * PER_IP + [429], [a.text for a in answers]
    assert "from this network" in answers[-1].json()["detail"]
