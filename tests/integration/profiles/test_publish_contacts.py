"""``peerlearn profiles publish-contacts``: every person's address republished for a notify that
started after them, once per person and version of their profile, through profiles' outbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
import pytest

from peerlearn.cli import main
from peerlearn.events.contacts import CONTACT_UPDATED
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer, start_nats
from peerlearn.testing.tap import StreamTap
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.app import create_app
from peerlearn_profiles.settings import load
from peerlearn_profiles.usecases.contacts import contact_event_id, republish_contacts


async def _forget_contacts(nats_url: str) -> None:
    """Empty CONTACTS, as on a deployment whose addresses were never published (or are gone)."""
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().purge_stream("CONTACTS")
    finally:
        await client.close()


def _told(tap: StreamTap) -> list[tuple[str, str, str | None]]:
    return [(e.id, e.data.person_id, e.data.email) for e in tap.events]  # type: ignore[attr-defined]


@pytest.mark.asyncio(loop_scope="module")
async def test_every_address_is_republished_once_per_person_and_version(
    profiles: Any, module_nats: NatsServer
) -> None:
    org_id = await profiles.org("Backfill")
    people = [
        await profiles.person(org_id, email=f"p{n}-{uuid.uuid4().hex[:6]}@fill.example") for n in range(3)
    ]
    token = await profiles.token(people[0]["id"])
    moved = f"moved-{uuid.uuid4().hex[:6]}@fill.example"
    await profiles.call("PUT", f"/v1/people/{people[0]['id']}", token, json={"email": moved}, expect=200)
    await profiles.sentinel()  # every contact event so far has left the outbox
    await _forget_contacts(module_nats.url)
    tap = await StreamTap("contacts.>").start(module_nats.url)
    uow = UnitOfWork(profiles.database)
    try:
        first = await republish_contacts(uow, batch=2)
        await tap.wait_count(first.recorded, types=(CONTACT_UPDATED,))
        mine = {person: (event_id, email) for event_id, person, email in _told(tap)}
        # Each person once, with the address they have now, under the id of their version.
        assert len(mine) == len(tap.events) == first.recorded
        assert [mine[p["id"]][1] for p in people] == [moved, people[1]["email"], people[2]["email"]]
        versions = {
            p["id"]: (await profiles.call("GET", f"/v1/people/{p['id']}", expect=200)).json() for p in people
        }
        for person_id, shown in versions.items():
            assert mine[person_id][0] == contact_event_id(person_id, _at(shown["updated_at"]))

        again = await republish_contacts(uow)
        assert (again.recorded, again.already) == (0, first.recorded)
        edited = await profiles.person(org_id)  # a sentinel: its own event follows anything republished
        await tap.wait_for(lambda e: e.data.person_id == edited["id"])  # type: ignore[attr-defined]
        assert len(tap.events) == first.recorded + 1  # the second run published nothing
    finally:
        await tap.stop()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_command_records_them_and_profiles_publishes_them_when_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_nats()
    env = {
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "PEERLEARN_NATS_URL": server.url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    headers = {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}

    async def people(n: int) -> list[str]:
        async with app_client(create_app(load(env))) as client:
            org = (await client.post("/v1/orgs", json={"name": "CLI fill"}, headers=headers)).json()
            made = []
            for i in range(n):
                body = {"display_name": f"P {i}", "email": f"p{i}@cli-fill.example"}
                response = await client.post(f"/v1/orgs/{org['id']}/people", json=body, headers=headers)
                made.append(response.json()["email"])
        await _forget_contacts(server.url)
        return made

    async def published(count: int) -> list[str]:
        tap = await StreamTap("contacts.>").start(server.url)
        try:
            async with app_client(create_app(load(env))):
                await tap.wait_count(count, types=(CONTACT_UPDATED,))
            return sorted(str(e.data.email) for e in tap.events)  # type: ignore[attr-defined]
        finally:
            await tap.stop()

    try:
        emails = asyncio.run(people(7))
        assert main(["profiles", "publish-contacts", "--batch", "3"]) == 0
        assert "recorded 7 contacts in profiles' outbox (0 already there)" in capsys.readouterr().out
        assert main(["profiles", "publish-contacts"]) == 0
        assert "recorded 0 contacts in profiles' outbox (7 already there)" in capsys.readouterr().out
        assert asyncio.run(published(7)) == sorted(emails)
    finally:
        server.stop()
