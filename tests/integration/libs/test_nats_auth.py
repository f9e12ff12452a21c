"""NATS as `peerlearn up` configures it: no anonymous access, each service confined to its subjects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest

from peerlearn import deadletters, events, nats_access
from peerlearn.bus import Bus, BusUnavailable, Consumer
from peerlearn.cli import main
from peerlearn.streams import stream_events
from peerlearn.testing.servers import NatsServer, start_nats
from peerlearn.testing.waiting import eventually


@pytest.fixture
def server() -> Iterator[NatsServer]:
    running = start_nats(auth=True)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def buses(server: NatsServer) -> AsyncIterator[dict[str, Bus]]:
    """A connected bus per service user and for the operator, each as the service kit builds it."""
    out: dict[str, Bus] = {}
    try:
        for user in [*nats_access.USERS, nats_access.OPERATOR]:
            bus = Bus(
                server.url,
                name=f"test-{user}",
                publish_timeout=1.0,
                credentials=server.credentials(user),
                streams=nats_access.managed_streams(user),
            )
            await bus.connect(timeout=10)
            out[user] = bus
        yield out
    finally:
        for bus in out.values():
            await bus.close()


def org_event(n: int) -> events.Event:
    return events.make_event(events.OrgCreated(org_id=f"o{n}", name=f"Org {n}", kind="partner"))


async def test_an_unauthenticated_or_wrongly_authenticated_client_is_refused(server: NatsServer) -> None:
    for options in ({}, {"user": "forum", "password": "not-the-password"}):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(server.url, allow_reconnect=False, connect_timeout=2, **options)
    bus = Bus(
        server.url, credentials=server.credentials("forum"), streams=nats_access.managed_streams("forum")
    )
    await bus.connect(timeout=10)
    await bus.close()


async def test_the_forum_cannot_forge_a_profiles_event(server: NatsServer, buses: dict[str, Bus]) -> None:
    refused: list[str] = []

    async def collect(exc: Exception) -> None:
        refused.append(str(exc))

    forum = await nats.connect(server.url, error_cb=collect, user="forum", password=server.passwords["forum"])
    try:
        forged = org_event(1)
        with pytest.raises(nats.errors.Error):  # no ack: the server dropped it
            await forum.jetstream(timeout=1).publish(events.PERSON_UPSERTED, events.encode(forged))
        await eventually(lambda: asyncio.sleep(0, result=refused), timeout=5)
    finally:
        await forum.close()
    assert any(f'publish to "{events.PERSON_UPSERTED}"' in m.lower() for m in refused), refused

    # Through the bus as well, and nothing of it is in PROFILES; profiles' own event is.
    with pytest.raises(BusUnavailable):
        await buses["forum"].publish_raw(events.PERSON_UPSERTED, events.encode(forged), forged.id)
    genuine = org_event(2)
    assert await buses["profiles"].publish(genuine) is True
    found = await stream_events(buses["operator"], "PROFILES")
    assert [event.id for event in found] == [genuine.id]


async def test_a_service_reads_only_the_streams_it_consumes(buses: dict[str, Bus]) -> None:
    assert await buses["forum"].publish_raw("forum.thread.created", b"{}", "t-own") is True  # its own
    # Profiles consumes nothing: it can neither create a consumer on FORUM nor read it.
    with pytest.raises(nats.errors.TimeoutError):  # a denied API call gets no answer
        await buses["profiles"].js.pull_subscribe("forum.>", durable="profiles-forum", stream="FORUM")
    # The forum cannot create or update another service's stream.
    with pytest.raises(nats.errors.TimeoutError):
        await buses["forum"].js.delete_stream("PROFILES")
    assert (await buses["operator"].js.stream_info("PROFILES")).config.name == "PROFILES"


async def test_consumers_and_dead_letters_work_as_each_service(buses: dict[str, Bus]) -> None:
    seen: list[str] = []

    async def refuse(event: events.Event) -> None:
        seen.append(event.id)
        raise RuntimeError("cannot apply")

    # The forum's durable on PROFILES, as the forum's kit names it; one failure dead-letters.
    consumer = Consumer(
        buses["forum"],
        stream="PROFILES",
        durable=nats_access.durable_name("forum", "PROFILES"),
        handler=refuse,
        max_deliver=1,
    )
    task = asyncio.create_task(consumer.run())
    try:
        sent = org_event(4)
        await buses["profiles"].publish(sent)
        await eventually(lambda: asyncio.sleep(0, result=consumer.dead_lettered == 1), timeout=15)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert seen == [sent.id]
    letters = await deadletters.list_dead_letters(buses["operator"], "PROFILES")
    assert [letter.msg_id for letter in letters] == [sent.id]
    await deadletters.replay(buses["operator"], letters[0])
    assert [event.id for event in await stream_events(buses["operator"], "PROFILES")] == [sent.id] * 2

    # The matcher replays whole streams (`peerlearn matcher rebuild`) as itself.
    assert [event.id for event in await stream_events(buses["matcher"], "PROFILES")] == [sent.id] * 2


def test_the_deadletters_command_logs_in_as_the_operator_from_the_data_dir(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `peerlearn up` keeps the passwords in <data dir>/nats/credentials.json.
    data_dir = Path(server.store).parent
    monkeypatch.setenv("PEERLEARN_DATA_DIR", str(data_dir))
    for variable in ("PEERLEARN_NATS_USER", "PEERLEARN_OPERATOR_NATS_USER", "PEERLEARN_NATS_CREDS"):
        monkeypatch.delenv(variable, raising=False)
    assert main(["deadletters", "--nats-url", server.url]) == 0
    assert "no dead letters" in capsys.readouterr().out


async def test_a_password_in_the_url_never_shows_in_errors(server: NatsServer) -> None:
    bus = Bus(f"nats://forum:wrong-secret-123@127.0.0.1:{server.port}")
    with pytest.raises(BusUnavailable) as refused:
        await bus.connect(timeout=1)
    await bus.close()
    assert "wrong-secret-123" not in str(refused.value)
    assert "forum:***@" in str(refused.value)


async def test_a_service_logs_in_with_an_nkey_seed_given_as_text_or_as_a_file(tmp_path: Path) -> None:
    import os
    import subprocess

    import nkeys

    from peerlearn.bus import NatsCredentials
    from peerlearn.embedded_nats import nats_server_binary
    from peerlearn.runner import free_port

    seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    public = nkeys.from_seed(bytearray(seed)).public_key.decode()
    port = free_port()
    config = tmp_path / "nkey.conf"
    config.write_text(
        f'listen: "127.0.0.1:{port}"\n'
        f'jetstream {{ store_dir: "{tmp_path / "js"}" }}\n'
        f'authorization {{ users = [ {{ nkey: "{public}" }} ] }}\n'
    )
    seed_file = tmp_path / "user.nk"
    seed_file.write_bytes(seed)
    process = await asyncio.to_thread(
        subprocess.Popen, [nats_server_binary(), "-c", str(config)], stdout=subprocess.DEVNULL
    )
    url = f"nats://127.0.0.1:{port}"
    try:
        for login in (seed.decode(), str(seed_file)):
            bus = Bus(url, name="test-nkey", credentials=NatsCredentials(nkey_seed=login))
            await bus.connect(timeout=10)
            try:
                assert await bus.publish(org_event(int.from_bytes(os.urandom(2), "big")))
            finally:
                await bus.close()
        with pytest.raises(Exception, match=r"(?i)authoriz"):
            anonymous = await nats.connect(url, allow_reconnect=False, connect_timeout=2)
            await anonymous.close()
    finally:
        process.terminate()
        process.wait()
