"""Org webhooks against a real HTTP receiver, real NATS and both engines: who may manage them
(a generated matrix), strict requests and refused addresses, signed JSON and Slack deliveries
of only the org-wide questions, retries, redirects not followed, disabling with the admins
told, and the unanswered-question check."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.smtp import SmtpServer
from peerlearn.testing.waiting import eventually
from peerlearn_notify.app import create_app
from peerlearn_notify.usecases.webhook_delivery import check_unanswered

from .conftest import ADMIN, Notify, Person, notify_settings
from .webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.asyncio(loop_scope="module")
PUBLIC_URL = "https://peerlearn.example"


@pytest.fixture(scope="module")
def receiver(module_database_url: str) -> Iterator[Receiver]:
    """A receiver per engine's run of the module (paths are reused by both)."""
    with receiving() as started:
        yield started


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hooked(
    module_database_url: str,
    module_nats: NatsServer,
    module_smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Notify]:
    """notify with webhooks allowed to reach 127.0.0.1 (the receiver), fast retries, and a
    webhook disabled after 4 failed attempts in a row."""
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    settings = notify_settings(
        tmp_path_factory.mktemp("var"),
        module_nats.url,
        module_smtp.url,
        public_url=PUBLIC_URL,
        webhook_allow_private=True,
        webhook_poll_seconds=0.05,
        webhook_retry_seconds=0.05,
        webhook_attempts=3,
        webhook_failures_to_disable=4,
        webhook_timeout_seconds=5.0,
        unanswered_poll_seconds=3600,  # the tests run the check at a chosen time
    )
    app = create_app(settings, database=database)
    bus = Bus(module_nats.url, name="notify-webhooks-test")
    async with app_client(app) as client:
        await bus.connect(timeout=10)
        try:
            yield Notify(client=client, database=database, bus=bus, smtp=module_smtp, app=app)
        finally:
            await bus.close()


async def _org(hooked: Notify) -> tuple[str, Person, Person]:
    org = "org-" + uuid.uuid4().hex[:8]
    admin = await hooked.person(org, roles=("org_admin",))
    member = await hooked.person(org)
    await hooked.settle()
    return org, admin, member


async def _make(hooked: Notify, org: str, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await hooked.client.post(f"/v1/orgs/{org}/webhooks", json=body, headers=who)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _deliveries(hooked: Notify, org: str, hook: str, **params: Any) -> dict[str, Any]:
    response = await hooked.client.get(
        f"/v1/orgs/{org}/webhooks/{hook}/deliveries", params=params, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _question(hooked: Notify, author: Person, *, visibility: str = "org", **extra: Any) -> str:
    thread_id = "t-" + uuid.uuid4().hex[:10]
    await hooked.publish(
        events.ThreadCreated(
            thread_id=thread_id,
            space_id="s-1",
            visibility=visibility,  # type: ignore[arg-type]
            org_id=extra.pop("org_id", author.org_id if visibility == "org" else None),
            cohort_id="c-1" if visibility == "cohort" else None,
            author_id=author.id,
            kind=extra.pop("kind", "question"),
            title=extra.pop("title", "How do I profile asyncio?"),
            tags=["python"],
            **extra,
        )
    )
    return thread_id


# --- who may manage webhooks ------------------------------------------------------------

CALLERS = {
    "org admin": 2,
    "platform admin": 2,
    "member": 404,
    "other org's admin": 404,
    "anonymous": 401,
    "erased admin": 401,
}


@pytest.mark.parametrize("action", ["list", "create", "delete", "deliveries"])
@pytest.mark.parametrize("who", sorted(CALLERS))
async def test_access_matrix(hooked: Notify, receiver: Receiver, who: str, action: str) -> None:
    org, admin, member = await _org(hooked)
    other_admin = await hooked.person("org-other-" + uuid.uuid4().hex[:6], roles=("org_admin",))
    erased = await hooked.person(org, roles=("org_admin",))
    await hooked.publish(events.PersonDeleted(person_id=erased.id, org_id=org))
    await hooked.settle()
    hook = await _make(
        hooked, org, admin.headers, url=f"{receiver.url}/m", format="json", events=["answer_accepted"]
    )
    headers = {
        "org admin": admin.headers,
        "platform admin": ADMIN,
        "member": member.headers,
        "other org's admin": other_admin.headers,
        "anonymous": {},
        "erased admin": erased.headers,
    }[who]
    base = f"/v1/orgs/{org}/webhooks"
    body = {"url": f"{receiver.url}/m2", "format": "slack", "events": ["question_created"]}
    request = {
        "list": ("GET", base, None),
        "create": ("POST", base, body),
        "delete": ("DELETE", f"{base}/{hook['id']}", None),
        "deliveries": ("GET", f"{base}/{hook['id']}/deliveries", None),
    }[action]
    response = await hooked.client.request(request[0], request[1], json=request[2], headers=headers)
    expected = CALLERS[who]
    if expected == 2:
        assert response.status_code // 100 == 2, (who, action, response.text)
    else:
        assert response.status_code == expected, (who, action, response.text)
    left = (await hooked.client.get(base, headers=admin.headers)).json()["items"]
    assert (hook["id"] in [h["id"] for h in left]) == (action != "delete" or expected != 2)
    assert all("secret" not in h for h in left)


async def test_an_unknown_org_is_404_even_for_the_platform_admin(hooked: Notify) -> None:
    response = await hooked.client.get("/v1/orgs/org-nobody-knows/webhooks", headers=ADMIN)
    assert response.status_code == 404


# --- strict requests and refused addresses --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"url": "ftp://example.org/", "format": "json", "events": ["question_created"]}, "http"),
        ({"url": "https://example.org/", "format": "xml", "events": ["question_created"]}, "format"),
        ({"url": "https://example.org/", "format": "json", "events": []}, "events"),
        ({"url": "https://example.org/", "format": "json", "events": ["nope"]}, "events"),
        ({"url": "https://example.org/", "format": "json", "events": ["question_created"], "x": 1}, "x"),
        (
            {
                "url": "https://example.org/",
                "format": "json",
                "events": ["answer_accepted"],
                "unanswered_after_hours": 3,
            },
            "question_unanswered",
        ),
    ],
)
async def test_bad_requests_say_what_is_wrong(hooked: Notify, body: dict[str, Any], says: str) -> None:
    org, admin, _member = await _org(hooked)
    response = await hooked.client.post(f"/v1/orgs/{org}/webhooks", json=body, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert says in response.text


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://localhost:9/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.7/hook", "private"),
        ("http://[::1]/hook", "loopback"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
    ],
)
async def test_urls_reaching_non_public_addresses_are_refused(hooked: Notify, url: str, why: str) -> None:
    org, admin, _member = await _org(hooked)
    guard = hooked.app.state.webhook_guard
    guard.allow_private = False
    try:
        response = await hooked.client.post(
            f"/v1/orgs/{org}/webhooks",
            json={"url": url, "format": "slack", "events": ["question_created"]},
            headers=admin.headers,
        )
    finally:
        guard.allow_private = True
    assert response.status_code == 400, response.text
    assert why in response.json()["detail"] and "PEERLEARN_WEBHOOK_ALLOW_PRIVATE" in response.json()["detail"]


async def test_delivery_rechecks_the_address_and_refuses_a_private_one(
    hooked: Notify, receiver: Receiver
) -> None:
    """Allowed when made; refused when the sender resolves it again (as after DNS rebinding)."""
    org, admin, _member = await _org(hooked)
    hook = await _make(
        hooked, org, admin.headers, url=f"{receiver.url}/rebound", format="slack", events=["question_created"]
    )
    guard = hooked.app.state.webhook_guard
    guard.allow_private = False
    try:
        await _question(hooked, admin)
        await hooked.settle()

        async def refused() -> Any:
            items = (await _deliveries(hooked, org, hook["id"]))["items"]
            return items and items[0]["attempts"] and items[0]

        item = await eventually(refused)
    finally:
        guard.allow_private = True
    assert "refused" in item["attempts"][0]["error"] and "loopback" in item["attempts"][0]["error"]
    assert item["attempts"][0]["status_code"] is None and receiver.at("/rebound") == []


# --- deliveries -------------------------------------------------------------------------------


async def test_a_json_webhook_gets_signed_deliveries_of_org_wide_questions_only(
    hooked: Notify, receiver: Receiver
) -> None:
    org, admin, member = await _org(hooked)
    made = await _make(
        hooked,
        org,
        admin.headers,
        url=f"{receiver.url}/json",
        format="json",
        events=["question_created", "answer_accepted"],
    )
    assert made["secret"] and len(made["secret"]) == 64 and made["enabled"] is True
    receiver.secrets["/json"] = made["secret"]
    listed = (await hooked.client.get(f"/v1/orgs/{org}/webhooks", headers=admin.headers)).json()["items"]
    assert [h["id"] for h in listed] == [made["id"]] and "secret" not in listed[0]

    thread = await _question(hooked, member, title="Which profiler for asyncio?")
    await _question(hooked, member, visibility="cohort")  # a cohort space: never to the org's channel
    await _question(hooked, member, visibility="public")  # a public space belongs to no org
    await _question(hooked, member, org_id="org-someone-else")  # another org's space
    await _question(hooked, member, kind="discussion")  # not a question
    await hooked.settle()
    await eventually(lambda: _async(len(receiver.at("/json")) >= 1))
    await hooked.publish(
        events.AnswerAccepted(
            thread_id=thread,
            post_id="post-" + uuid.uuid4().hex[:8],
            answer_author_id=admin.id,
            asker_id=member.id,
            space_id="s-1",
            visibility="org",
            org_id=org,
            title="Which profiler for asyncio?",
        )
    )
    await hooked.settle()
    got = await eventually(lambda: _async(len(receiver.at("/json")) >= 2 and receiver.at("/json")))
    first, second = got
    assert first.signed is True and second.signed is True
    body = json.loads(first.body)
    assert body["event"] == "question_created" and body["thread"]["id"] == thread
    assert body["thread"]["url"] == f"{PUBLIC_URL}/threads/{thread}" and body["asked_by"] == member.name
    assert (
        first.headers["x-peerlearn-delivery"] == body["id"]
        and first.headers["content-type"] == "application/json"
    )
    assert (
        json.loads(second.body)["event"] == "answer_accepted"
        and json.loads(second.body)["answered_by"] == admin.name
    )
    # A tampered body does not verify with the signature sent.
    from .webhook_receiver import verify

    assert not verify(made["secret"], first.headers, first.body + b" ")

    async def recorded() -> Any:  # the receiver answers before the sender records the attempt
        page = await _deliveries(hooked, org, made["id"], limit=1)
        return page["items"][0]["status"] == "delivered" and page

    page = await eventually(recorded)
    assert [d["status"] for d in page["items"]] == ["delivered"] and page["next_cursor"]
    assert (
        page["items"][0]["event"] == "answer_accepted"
        and page["items"][0]["attempts"][0]["status_code"] == 200
    )
    older = await _deliveries(hooked, org, made["id"], limit=1, cursor=page["next_cursor"])
    assert [d["event"] for d in older["items"]] == ["question_created"] and older["next_cursor"] is None


async def test_a_slack_webhook_gets_text_and_blocks_linking_the_thread(
    hooked: Notify, receiver: Receiver
) -> None:
    org, admin, member = await _org(hooked)
    made = await _make(
        hooked, org, admin.headers, url=f"{receiver.url}/slack", format="slack", events=["question_created"]
    )
    assert made["secret"] is None
    thread = await _question(hooked, member, title="Tabs <or> spaces?")
    await hooked.settle()
    (got,) = await eventually(lambda: _async(receiver.at("/slack")))
    body = json.loads(got.body)
    assert body["text"].startswith("New question: Tabs <or> spaces?")
    assert f"<{PUBLIC_URL}/threads/{thread}|Tabs &lt;or&gt; spaces?>" in body["blocks"][0]["text"]["text"]
    assert "x-peerlearn-signature" not in got.headers


async def test_a_failing_delivery_is_retried_with_the_same_id(hooked: Notify, receiver: Receiver) -> None:
    org, admin, member = await _org(hooked)
    receiver.script["/flaky"] = [503, 200]
    made = await _make(
        hooked, org, admin.headers, url=f"{receiver.url}/flaky", format="json", events=["question_created"]
    )
    receiver.secrets["/flaky"] = made["secret"]
    await _question(hooked, member)
    await hooked.settle()
    got = await eventually(lambda: _async(len(receiver.at("/flaky")) >= 2 and receiver.at("/flaky")))
    assert len({r.headers["x-peerlearn-delivery"] for r in got}) == 1 and got[0].body == got[1].body
    assert all(r.signed for r in got)

    async def delivered() -> Any:
        items = (await _deliveries(hooked, org, made["id"]))["items"]
        return items and items[0]["status"] == "delivered" and items[0]

    item = await eventually(delivered)
    assert [(a["attempt"], a["status_code"]) for a in item["attempts"]] == [(1, 503), (2, 200)]
    assert item["attempts"][0]["error"] == "answered 503" and item["attempts"][1]["error"] is None


async def test_a_slow_receiver_holds_up_no_other_webhook(hooked: Notify, receiver: Receiver) -> None:
    slow_org, slow_admin, slow_member = await _org(hooked)
    quick_org, quick_admin, quick_member = await _org(hooked)
    release = threading.Event()
    receiver.holds["/slow"] = release
    try:
        slow = await _make(
            hooked,
            slow_org,
            slow_admin.headers,
            url=f"{receiver.url}/slow",
            format="slack",
            events=["question_created"],
        )
        await _make(
            hooked,
            quick_org,
            quick_admin.headers,
            url=f"{receiver.url}/quick",
            format="slack",
            events=["question_created"],
        )
        await _question(hooked, slow_member)
        await hooked.settle()
        await eventually(lambda: _async("/slow" in receiver.answering))
        await _question(hooked, quick_member)
        await hooked.settle()
        await eventually(lambda: _async(receiver.at("/quick")))
        assert receiver.answering_when_received["/quick"] == {"/slow"}
    finally:
        release.set()

    # The slow post was still waiting for its answer (not timed out) when the quick one came.
    async def answered() -> Any:
        items = (await _deliveries(hooked, slow_org, slow["id"]))["items"]
        return items and items[0]["attempts"] and items[0]["attempts"][0]

    assert (await eventually(answered))["status_code"] == 200


async def test_a_redirect_is_not_followed(hooked: Notify, receiver: Receiver) -> None:
    org, admin, member = await _org(hooked)
    receiver.script["/moved"] = [302, 200]
    made = await _make(
        hooked, org, admin.headers, url=f"{receiver.url}/moved", format="slack", events=["question_created"]
    )
    await _question(hooked, member)
    await hooked.settle()

    async def attempted() -> Any:
        items = (await _deliveries(hooked, org, made["id"]))["items"]
        return items and items[0]["attempts"] and items[0]["attempts"][0]

    attempt = await eventually(attempted)
    assert attempt["status_code"] == 302 and "not followed" in attempt["error"]
    assert receiver.at("/elsewhere") == []


async def test_a_webhook_that_keeps_failing_is_disabled_and_its_admins_told(
    hooked: Notify, receiver: Receiver
) -> None:
    org, admin, member = await _org(hooked)
    second_admin = await hooked.person(org, roles=("org_admin",))
    await hooked.settle()
    receiver.script["/down"] = [500]
    made = await _make(
        hooked, org, admin.headers, url=f"{receiver.url}/down", format="json", events=["question_created"]
    )
    for _ in range(3):  # 3 attempts each: the 4th failure in a row disables it
        await _question(hooked, member)
    await hooked.settle()

    async def disabled() -> Any:
        listed = (await hooked.client.get(f"/v1/orgs/{org}/webhooks", headers=admin.headers)).json()["items"]
        return listed and not listed[0]["enabled"] and listed[0]

    hook = await eventually(disabled)
    assert (
        "4 failed attempts in a row" in hook["disabled_reason"] and "answered 500" in hook["disabled_reason"]
    )
    assert len(receiver.at("/down")) == 4
    items = (await _deliveries(hooked, org, made["id"]))["items"]
    assert {d["status"] for d in items} == {"failed"}  # given up, or ended by the disabling
    assert sum(len(d["attempts"]) for d in items) == 4
    assert all(a["status_code"] == 500 for d in items for a in d["attempts"])
    for person in (admin, second_admin):
        inbox = await hooked.inbox(person)
        assert [i["kind"] for i in inbox["items"]] == ["webhook_disabled"], inbox
        assert inbox["items"][0]["link"] == f"{PUBLIC_URL}/admin/webhooks"  # the page that enables it
    assert await hooked.kinds(member) == []
    # A disabled webhook gets nothing more.
    await _question(hooked, member)
    await hooked.settle()
    assert len((await _deliveries(hooked, org, made["id"]))["items"]) == len(items)


async def test_a_question_still_unanswered_after_its_hours_is_told_once(
    hooked: Notify, receiver: Receiver
) -> None:
    org, admin, member = await _org(hooked)
    made = await _make(
        hooked,
        org,
        admin.headers,
        url=f"{receiver.url}/late",
        format="json",
        events=["question_unanswered"],
        unanswered_after_hours=2,
    )
    assert made["unanswered_after_hours"] == 2
    receiver.secrets["/late"] = made["secret"]
    lonely = await _question(hooked, member, title="Nobody knows?")
    answered = await _question(hooked, member, title="Someone knows")
    await hooked.publish(
        events.PostCreated(
            post_id="post-" + uuid.uuid4().hex[:8],
            thread_id=answered,
            thread_title="Someone knows",
            body="Here is how.",
            space_id="s-1",
            visibility="org",
            org_id=org,
            author_id=admin.id,
            asker_id=member.id,
        )
    )
    await hooked.settle()
    sender = hooked.app.state.webhook_sender
    soon = datetime.now(UTC) + timedelta(hours=1)
    assert await check_unanswered(sender.uow, sender.delivery, soon) == 0  # not 2 hours yet
    later = datetime.now(UTC) + timedelta(hours=2, minutes=1)
    assert await check_unanswered(sender.uow, sender.delivery, later) == 1
    assert await check_unanswered(sender.uow, sender.delivery, later + timedelta(hours=5)) == 0
    (got,) = await eventually(lambda: _async(receiver.at("/late")))
    body = json.loads(got.body)
    assert body["event"] == "question_unanswered" and body["thread"]["id"] == lonely
    assert body["unanswered_after_hours"] == 2 and got.signed is True


async def _async(value: Any) -> Any:
    return value
