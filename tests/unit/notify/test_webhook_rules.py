"""The webhooks' pure rules: strict requests, which addresses are refused, the org-wide rule,
the signature and the Slack body."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from peerlearn.directory.caller import Where
from peerlearn.errors import Invalid
from peerlearn_notify.domain.webhooks import (
    Happening,
    body_for,
    host_of,
    org_wide,
    signature,
    webhook_spec,
    why_refused,
)


@pytest.mark.parametrize(
    ("url", "fmt", "events", "hours", "says"),
    [
        ("ftp://example.org/x", "json", ["question_created"], None, "http:// or https://"),
        ("https:///nohost", "json", ["question_created"], None, "no host"),
        ("https://u:p@example.org/", "json", ["question_created"], None, "user name or password"),
        ("https://example.org:99999/", "json", ["question_created"], None, "not a valid URL"),
        ("https://example.org/", "xml", ["question_created"], None, "format must be"),
        ("https://example.org/", "json", [], None, "at least one"),
        ("https://example.org/", "json", ["question_deleted"], None, "unknown webhook events"),
        ("https://example.org/", "json", ["answer_accepted", "answer_accepted"], None, "must not repeat"),
        ("https://example.org/", "json", ["question_created"], 4, "only with the question_unanswered"),
        ("https://example.org/", "json", ["question_unanswered"], 0, "1 to 720"),
    ],
)
def test_bad_webhooks_say_what_is_wrong(
    url: str, fmt: str, events: list[str], hours: int | None, says: str
) -> None:
    with pytest.raises(Invalid) as caught:
        webhook_spec(url, fmt, events, hours)
    assert says in caught.value.detail


def test_unanswered_gets_a_default_delay_and_events_a_fixed_order() -> None:
    spec = webhook_spec(
        "https://chat.example.org/hooks/1", "slack", ["answer_accepted", "question_unanswered"], None
    )
    assert spec.events == ("question_unanswered", "answer_accepted") and spec.unanswered_after_hours == 24
    assert host_of("http://chat.example.org:8065/h") == ("chat.example.org", 8065)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "not-public"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_only_public_addresses_are_reachable(address: str, why: str | None) -> None:
    assert why_refused(address) == why


def test_only_org_wide_spaces_of_the_org_reach_its_channels() -> None:
    assert org_wide(Where("org", "org-a"), "org-a")
    assert not org_wide(Where("org", "org-b"), "org-a")
    assert not org_wide(Where("cohort", None, "c-1"), "org-a")
    assert not org_wide(Where("public"), "org-a")


def test_the_signature_is_an_hmac_of_timestamp_dot_body() -> None:
    body = b'{"event":"question_created"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", "1700000000", body) == f"sha256={expected}"
    assert signature("other", "1700000000", body) != f"sha256={expected}"


def test_the_slack_body_escapes_and_links_the_thread() -> None:
    what = Happening(
        event="question_created",
        org_id="org-a",
        thread_id="t-1",
        title="Why <b> & not <i>?",
        link="https://peerlearn.example/threads/t-1",
        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
        person_name="Ada",
        tags=("html",),
    )
    slack = json.loads(body_for("slack", "d-1", what))
    section = slack["blocks"][0]["text"]["text"]
    assert "<https://peerlearn.example/threads/t-1|Why &lt;b&gt; &amp; not &lt;i&gt;?>" in section
    assert slack["text"].startswith("New question: Why <b>") and "asked by Ada" in str(slack["blocks"][1])
    plain = json.loads(body_for("json", "d-1", what))
    assert plain["id"] == "d-1" and plain["thread"]["url"].endswith("/threads/t-1")
    assert plain["asked_by"] == "Ada" and plain["event"] == "question_created"
