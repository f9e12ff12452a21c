"""What org admins do with a webhook after making it, and its secret at rest, against a real
receiver, real NATS and both engines: a test delivery sent now and shown among the deliveries;
disabling (nothing posted, tests refused) and enabling again; a json webhook's secret sealed in
notify's database (a copy of it cannot sign) yet deliveries signed with the secret shown once;
secrets stored in the clear by an earlier version sealed at start; under another service secret
a delivery is a failed attempt saying why, never an unsigned post."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa

from peerlearn import events
from peerlearn.bus import Bus
from peerlearn.store import Database
from peerlearn.testing.client import app_client
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.smtp import SmtpServer
from peerlearn.testing.waiting import eventually
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters import webhook_store
from peerlearn_notify.adapters.webhook_http import AddressGuard, WebhookPoster
from peerlearn_notify.adapters.webhook_secrets import SecretBox, seal_stored
from peerlearn_notify.adapters.webhook_tables import webhooks
from peerlearn_notify.app import create_app
from peerlearn_notify.usecases.webhook_delivery import WebhookSender

from .conftest import Notify, notify_settings
from .webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def receiver(module_database_url: str) -> Iterator[Receiver]:
    with receiving() as started:
        yield started


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hooked(
    module_database_url: str,
    module_nats: NatsServer,
    module_smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Notify]:
    """notify whose webhooks may reach the receiver on 127.0.0.1, polling fast."""
    database = Database(module_database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    settings = notify_settings(
        tmp_path_factory.mktemp("var"),
        module_nats.url,
        module_smtp.url,
        webhook_allow_private=True,
        webhook_poll_seconds=0.05,
        webhook_retry_seconds=0.05,
    )
    app = create_app(settings, database=database)
    bus = Bus(module_nats.url, name="notify-secrets-test")
    async with app_client(app) as client:
        await bus.connect(timeout=10)
        try:
            yield Notify(client=client, database=database, bus=bus, smtp=module_smtp, app=app)
        finally:
            await bus.close()


async def _stored(hooked: Notify, webhook_id: str) -> str:
    async with hooked.database.reading() as session:
        value = await session.scalar(sa.select(webhooks.c.secret).where(webhooks.c.id == webhook_id))
    return str(value)


async def test_the_secret_is_sealed_in_the_database_and_still_signs(
    hooked: Notify, receiver: Receiver
) -> None:
    org = "org-" + uuid.uuid4().hex[:8]
    admin = await hooked.person(org, roles=("org_admin",))
    member = await hooked.person(org)
    await hooked.settle()
    body = {"url": f"{receiver.url}/sealed", "format": "json", "events": ["question_created"]}
    response = await hooked.client.post(f"/v1/orgs/{org}/webhooks", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    made = response.json()
    stored = await _stored(hooked, made["id"])
    assert made["secret"] not in stored and stored.startswith("gcm1:")
    # ...and it does not open for another webhook's row (the id is bound into the seal).
    box: SecretBox = hooked.app.state.webhook_sender.box
    assert box.open(made["id"], stored) == made["secret"]
    with pytest.raises(ValueError):
        box.open("another-webhook", stored)

    receiver.secrets["/sealed"] = made["secret"]
    await hooked.publish(
        events.ThreadCreated(
            thread_id="t-" + uuid.uuid4().hex[:10],
            space_id="s-1",
            visibility="org",
            org_id=org,
            author_id=member.id,
            kind="question",
            title="Sealed?",
            tags=[],
        )
    )
    (delivered,) = await eventually(lambda: _async(receiver.at("/sealed")))
    assert delivered.signed is True


async def test_a_secret_stored_in_the_clear_is_sealed_and_a_changed_key_fails_visibly(
    hooked: Notify, receiver: Receiver
) -> None:
    now = datetime.now(UTC)
    later = now + timedelta(days=1)
    clear = "ab" * 32
    uow = UnitOfWork(hooked.database)
    async with uow.writing() as tx:
        await webhook_store.add_webhook(
            tx.session,
            {
                "id": "w-" + uuid.uuid4().hex[:8],
                "org_id": "org-old",
                "url": f"{receiver.url}/old",
                "format": "json",
                "events": ["question_created"],
                "secret": clear,  # as an earlier version stored it
                "created_at": now,
                "consecutive_failures": 0,
            },
        )
        (old,) = await webhook_store.webhooks_of(tx.session, "org-old")
        await webhook_store.enqueue(
            tx.session,
            {
                "id": "d-" + uuid.uuid4().hex[:8],
                "webhook_id": old.id,
                "event": "question_created",
                "event_key": "created:t-old",
                "body": '{"event":"question_created"}',
                "created_at": now,
                "next_attempt_at": later,  # not yet due for the app's own sender
            },
        )
    box: SecretBox = hooked.app.state.webhook_sender.box
    assert await seal_stored(uow, box) >= 1
    stored = await _stored(hooked, old.id)
    assert clear not in stored and box.open(old.id, stored) == clear

    # Under another service secret the sealed secret does not open: nothing is posted unsigned.
    poster = WebhookPoster(AddressGuard(allow_private=True), 5.0)
    stranger = WebhookSender(
        uow,
        poster,
        hooked.app.state.delivery,
        attempts=3,
        retry_seconds=60,
        failures_to_disable=10,
        box=SecretBox("another-service-secret-" + "x" * 20),
    )
    assert await stranger.send_due(later) == 0
    assert receiver.at("/old") == []
    async with uow.reading() as tx:
        rows, attempts = await webhook_store.deliveries_page(tx.session, old.id, None, 10)
    (attempt,) = attempts[rows[0].id]
    assert "PEERLEARN_JWT_SECRET" in str(attempt.error)


async def _org(hooked: Notify) -> tuple[str, dict[str, str], str]:
    org = "org-" + uuid.uuid4().hex[:8]
    admin = await hooked.person(org, roles=("org_admin",))
    member = await hooked.person(org)
    await hooked.settle()
    return org, admin.headers, member.id


async def _question(hooked: Notify, org: str, author_id: str) -> None:
    await hooked.publish(
        events.ThreadCreated(
            thread_id="t-" + uuid.uuid4().hex[:10],
            space_id="s-1",
            visibility="org",
            org_id=org,
            author_id=author_id,
            kind="question",
            title="Anyone?",
            tags=[],
        )
    )
    await hooked.settle()


async def test_a_test_delivery_is_posted_now_and_listed_with_its_status(
    hooked: Notify, receiver: Receiver
) -> None:
    org, admin, _member = await _org(hooked)
    body = {"url": f"{receiver.url}/tested", "format": "json", "events": ["question_created"]}
    made = (await hooked.client.post(f"/v1/orgs/{org}/webhooks", json=body, headers=admin)).json()
    receiver.secrets["/tested"] = made["secret"]
    path = f"/v1/orgs/{org}/webhooks/{made['id']}"
    response = await hooked.client.post(f"{path}/test", headers=admin)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["event"] == "test" and queued["status"] == "pending"

    (got,) = await eventually(lambda: _async(receiver.at("/tested")))
    assert got.signed is True and got.headers["x-peerlearn-event"] == "test"
    assert json.loads(got.body)["event"] == "test"

    async def listed() -> Any:
        items = (await hooked.client.get(f"{path}/deliveries", headers=admin)).json()["items"]
        return items if items and items[0]["status"] == "delivered" else None

    (shown,) = await eventually(listed)
    assert shown["id"] == queued["id"] and shown["attempts"][0]["status_code"] == 200
    # Another org's admin: the webhook does not exist for them.
    other, stranger, _ = await _org(hooked)
    assert (await hooked.client.post(f"{path}/test", headers=stranger)).status_code == 404
    assert (
        await hooked.client.post(f"/v1/orgs/{other}/webhooks/{made['id']}/test", headers=stranger)
    ).status_code == 404


async def test_a_disabled_webhook_hears_nothing_until_enabled_again(
    hooked: Notify, receiver: Receiver
) -> None:
    org, admin, member = await _org(hooked)
    body = {"url": f"{receiver.url}/paused", "format": "slack", "events": ["question_created"]}
    made = (await hooked.client.post(f"/v1/orgs/{org}/webhooks", json=body, headers=admin)).json()
    path = f"/v1/orgs/{org}/webhooks/{made['id']}"
    assert (
        await hooked.client.patch(path, json={"enabled": False, "x": 1}, headers=admin)
    ).status_code == 400
    off = await hooked.client.patch(path, json={"enabled": False}, headers=admin)
    assert off.status_code == 200, off.text
    assert off.json()["enabled"] is False and off.json()["disabled_reason"] == "disabled by an admin"
    refused = await hooked.client.post(f"{path}/test", headers=admin)
    assert refused.status_code == 409 and "enable it" in refused.json()["detail"]
    await _question(hooked, org, member)
    listed = (await hooked.client.get(f"{path}/deliveries", headers=admin)).json()["items"]
    assert listed == [] and receiver.at("/paused") == []

    on = await hooked.client.patch(path, json={"enabled": True}, headers=admin)
    assert on.json()["enabled"] is True and on.json()["disabled_reason"] is None
    await _question(hooked, org, member)
    (got,) = await eventually(lambda: _async(receiver.at("/paused")))
    assert json.loads(got.body)["text"].startswith("New question: Anyone?")


async def _async(value: Any) -> Any:
    return value
