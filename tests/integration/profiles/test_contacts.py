"""Contact details for notify: ``contacts.person.updated`` on the CONTACTS stream, only on a change."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import nats.js.errors
import pytest
import pytest_asyncio

from peerlearn import events
from peerlearn.events.contacts import CONTACT_UPDATED
from peerlearn.testing.servers import NatsServer
from peerlearn.testing.tap import StreamTap

from .conftest import ADMIN

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = "display_name,email,roles,timezone,weekly_hours,skills_have,skills_want,goal\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def contacts(profiles: Any, module_nats: NatsServer) -> AsyncIterator[StreamTap]:
    """A tap on the CONTACTS stream of the module's nats-server (the profiles app publishes there)."""
    tap = await StreamTap("contacts.>").start(module_nats.url)
    try:
        yield tap
    finally:
        await tap.stop()


async def _sentinel(profiles: Any, contacts: StreamTap) -> int:
    """Add a person in an org of their own and wait for their contact event; return its index.

    Events leave the outbox in commit order, so every earlier contact event is in the tap by then.
    """
    org_id = await profiles.org("Sentinel")
    sentinel = await profiles.person(org_id)
    await contacts.wait_for(lambda e: e.data.person_id == sentinel["id"])  # type: ignore[attr-defined]
    return next(i for i, e in enumerate(contacts.events) if e.data.person_id == sentinel["id"])  # type: ignore[attr-defined]


async def _contacts_of(profiles: Any, contacts: StreamTap, action: Any) -> list[tuple[str, str, str | None]]:
    """Run ``action`` (an awaitable) and return exactly the (person, org, email) events it published."""
    start = await _sentinel(profiles, contacts) + 1
    await action
    end = await _sentinel(profiles, contacts)
    window = contacts.events[start:end]
    assert {event.type for event in window} <= {CONTACT_UPDATED}
    return [(e.data.person_id, e.data.org_id, e.data.email) for e in window]  # type: ignore[attr-defined]


async def test_a_new_person_is_told_to_notify_with_their_address_never_on_profiles(
    profiles: Any, contacts: StreamTap
) -> None:
    org_id = await profiles.org("Contacts")
    created: dict[str, Any] = {}

    async def add() -> None:
        created.update(await profiles.person(org_id, email="Ada@Contacts.example"))

    assert await _contacts_of(profiles, contacts, add()) == [(created["id"], org_id, "Ada@Contacts.example")]
    # The address is on CONTACTS only: the PROFILES stream holds no contact event.
    assert not [e for e in profiles.tap.events if e.type == CONTACT_UPDATED]


async def test_an_edit_tells_notify_only_when_the_email_changes(profiles: Any, contacts: StreamTap) -> None:
    org_id = await profiles.org("Editors")
    person = await profiles.person(org_id, email="old@editors.example")
    token = await profiles.token(person["id"])
    path = f"/v1/people/{person['id']}"

    def edit(body: dict[str, Any]) -> Any:
        return profiles.call("PUT", path, token, json=body, expect=200)

    assert await _contacts_of(profiles, contacts, edit({"bio": "Now with a bio."})) == []
    assert await _contacts_of(profiles, contacts, edit({"email": "old@editors.example"})) == []
    assert await _contacts_of(profiles, contacts, edit({"email": "new@editors.example"})) == [
        (person["id"], org_id, "new@editors.example")
    ]


async def test_an_import_tells_notify_of_new_people_and_changed_addresses_only(
    profiles: Any, contacts: StreamTap
) -> None:
    org_id = await profiles.org("Roster")
    admin = await profiles.person(org_id, roles=["org_admin"])
    token = await profiles.token(admin["id"])
    tag = uuid.uuid4().hex[:6]
    first, second = f"maya{tag}@roster.example", f"li{tag}@roster.example"
    roster = HEADER + f"Maya,{first},learner,UTC,1,,,\nLi,{second},learner,UTC,1,,,\n"

    def send(body: str) -> Any:
        return profiles.call(
            "POST",
            f"/v1/orgs/{org_id}/people:import",
            token,
            content=body.encode(),
            headers={"Content-Type": "text/csv"},
            expect=200,
        )

    told = await _contacts_of(profiles, contacts, send(roster))
    assert sorted(str(email) for _, _, email in told) == sorted([first, second])
    assert {org for _, org, _ in told} == {org_id}
    assert await _contacts_of(profiles, contacts, send(roster)) == []  # nothing changed
    # The same person (by casefolded email) now written in capitals: the shown address changed.
    recased = roster.replace(first, first.upper())
    told = await _contacts_of(profiles, contacts, send(recased))
    assert [email for _, _, email in told] == [first.upper()]


async def test_the_stream_keeps_each_persons_newest_contact_and_no_address_past_erasure(
    profiles: Any, contacts: StreamTap, module_nats: NatsServer
) -> None:
    org_id = await profiles.org("Keepers")
    person = await profiles.person(org_id, email="first@keepers.example")
    token = await profiles.token(person["id"])
    path = f"/v1/people/{person['id']}"
    changed = profiles.call("PUT", path, token, json={"email": "second@keepers.example"}, expect=200)
    assert await _contacts_of(profiles, contacts, changed) == [
        (person["id"], org_id, "second@keepers.example")
    ]
    subject = f"{CONTACT_UPDATED}.{person['id']}"
    nc = await nats.connect(module_nats.url)
    try:
        js = nc.jetstream()
        newest = events.decode((await js.get_last_msg("CONTACTS", subject)).data)
        assert newest.data.email == "second@keepers.example"  # type: ignore[attr-defined]
        erased = profiles.call("DELETE", path, ADMIN, expect=204)
        assert await _contacts_of(profiles, contacts, erased) == [(person["id"], org_id, None)]
        info = await js.stream_info("CONTACTS", subjects_filter=subject)
        assert info.state.subjects == {subject: 1}  # one message for the person, and it is:
        newest = events.decode((await js.get_last_msg("CONTACTS", subject)).data)
        assert newest.data.email is None  # type: ignore[attr-defined]
        kept = [await _message(js, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)]
        assert not [m for m in kept if m and "@keepers.example" in m]  # neither address is left
    finally:
        await nc.close()


async def _message(js: Any, seq: int) -> str | None:
    """The stream's message ``seq`` as text, or None when the stream no longer keeps it."""
    try:
        return str((await js.get_msg("CONTACTS", seq)).data.decode())
    except nats.js.errors.NotFoundError:
        return None
