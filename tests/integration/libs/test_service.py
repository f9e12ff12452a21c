"""The service kit: what every peerlearn service answers before it has any domain at all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import sqlalchemy as sa
from litestar import get, post
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import errors, events, outbox
from peerlearn.auth import TokenIssuer, authenticated, org_admin, platform_admin
from peerlearn.bus import Bus
from peerlearn.service import create_service_app
from peerlearn.settings import ServiceSettings, load_settings
from peerlearn.store import Database
from peerlearn.streams import stream_messages
from peerlearn.testing.client import app_client
from peerlearn.testing.plugin import TEST_ADMIN_TOKEN, TEST_JWT_SECRET
from peerlearn.testing.servers import NatsServer
from peerlearn.unit_of_work import UnitOfWork

SAMPLE_MIGRATIONS = Path(__file__).parent / "sample_migrations"
notes = sa.table("notes", sa.column("id"), sa.column("text"))


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    stars: int = 0


class NoteOut(msgspec.Struct):
    text: str


@post("/v1/notes")
async def add_note(data: NoteIn, db_session: AsyncSession) -> NoteOut:
    await db_session.execute(sa.insert(notes).values(text=data.text))
    await outbox.record(
        db_session, events.make_event(events.OrgCreated(org_id=data.text, name=data.text, kind="partner"))
    )
    return NoteOut(text=data.text)


@get("/v1/me", guards=[authenticated])
async def me(principal: Any) -> dict[str, Any]:
    return {"person_id": principal.person_id}


@get("/v1/admin", guards=[platform_admin])
async def admin_only() -> dict[str, str]:
    return {"ok": "yes"}


@get("/v1/orgs/{org_id:str}/secrets", guards=[org_admin("org_id")])
async def org_secrets(org_id: str) -> dict[str, str]:
    return {"org": org_id}


@post("/v1/notes-by-uow")
async def add_note_by_uow(data: NoteIn, uow: UnitOfWork) -> NoteOut:
    async with uow.writing() as tx:
        await tx.session.execute(sa.insert(notes).values(text=data.text))
        if data.stars < 0:
            raise errors.Invalid("stars cannot be negative", extra={"field": "stars"})
    return NoteOut(text=data.text)


@get("/v1/refusals/{kind:str}")
async def refuse(kind: str) -> None:
    refusal: dict[str, errors.DomainError] = {
        "invalid": errors.Invalid("the title is empty"),
        "unauthenticated": errors.Unauthenticated("the person of this token no longer exists"),
        "forbidden": errors.Forbidden("only moderators may restore a post"),
        "not-found": errors.NotFound("no such thread"),
        "conflict": errors.Conflict("already a member"),
        "too-many": errors.TooMany("at most 3 a minute", retry_after=7),
    }
    raise refusal[kind]


@get("/v1/boom")
async def boom() -> None:
    raise RuntimeError("a bug with a secret in it")


@pytest.fixture
async def client(
    database: Database, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    env = {
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "PEERLEARN_NATS_URL": nats_server.url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
        "PEERLEARN_MAX_BODY_BYTES": "4096",
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "30",
        "PEERLEARN_READ_RATE_LIMIT_PER_MINUTE": "40",
    }
    settings = load_settings(ServiceSettings, "sample", env)
    app = create_service_app(
        settings,
        title="sample",
        route_handlers=[add_note, add_note_by_uow, refuse, me, admin_only, org_secrets, boom],
        migrations=SAMPLE_MIGRATIONS,
        database=database,
    )
    async with app_client(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(person: str = "p1", org: str = "o1", roles: tuple[str, ...] = ("learner",), **kw: Any) -> str:
    return TokenIssuer(TEST_JWT_SECRET, **kw).issue(person, org, list(roles)).token


@pytest.mark.parametrize(
    ("kind", "status", "detail"),
    [
        ("invalid", 400, "the title is empty"),
        ("unauthenticated", 401, "the person of this token no longer exists"),
        ("forbidden", 403, "only moderators may restore a post"),
        ("not-found", 404, "no such thread"),
        ("conflict", 409, "already a member"),
        ("too-many", 429, "at most 3 a minute"),
    ],
)
async def test_domain_errors_are_answered_with_their_status_in_the_one_format(
    client: httpx.AsyncClient, kind: str, status: int, detail: str
) -> None:
    response = await client.get(f"/v1/refusals/{kind}")
    assert response.status_code == status
    assert response.json() == {"status_code": status, "detail": detail}
    if kind == "too-many":
        assert response.headers["retry-after"] == "7"


async def test_the_unit_of_work_commits_a_write_and_a_refusal_leaves_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    assert (await client.post("/v1/notes-by-uow", json={"text": "kept"})).status_code == 201
    refused = await client.post("/v1/notes-by-uow", json={"text": "refused", "stars": -1})
    assert refused.status_code == 400
    assert refused.json()["extra"] == {"field": "stars"}
    async with database.reading() as session:
        assert list(await session.scalars(sa.select(notes.c.text))) == ["kept"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b'{"text": "x", "stars": "1"}', "application/json", 400, "Expected `int`, got `str` - at `$.stars`"),
        (b'{"text": "x"}', "text/plain", 415, "Content-Type: application/json"),
        (b'{"text": "x"}', "application/x-www-form-urlencoded", 415, "as JSON"),
        (b'{"text": "x", "text": "y"}', "application/json", 400, "the key 'text' twice"),
        (b'{"text": ' + b"[" * 1000 + b"]" * 1000 + b"}", "application/json", 400, "nested too deeply"),
        (b'{"text": ' + b"[" * 100 + b"]" * 100 + b"}", "application/json", 400, "nested too deeply"),
        (b'{"text": "x"', "application/json", 400, "not valid JSON"),
    ],
)
async def test_bodies_are_read_strictly(
    client: httpx.AsyncClient, database: Database, body: bytes, content_type: str, status: int, detail: str
) -> None:
    response = await client.post("/v1/notes", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    async with database.reading() as session:
        assert list(await session.scalars(sa.select(notes.c.text))) == []


async def test_a_json_media_type_with_parameters_or_a_suffix_is_json(client: httpx.AsyncClient) -> None:
    for n, content_type in enumerate(("application/json; charset=utf-8", "application/merge-patch+json")):
        response = await client.post(
            "/v1/notes", content=b'{"text": "t%d"}' % n, headers={"Content-Type": content_type}
        )
        assert response.status_code == 201, response.text


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    anonymous = await client.get("/health")
    signed_in = await client.get("/v1/me", headers=bearer(token("p-headers")))
    refused = await client.get("/v1/me")
    for response in (anonymous, signed_in, refused):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert signed_in.headers["cache-control"] == "no-store"
    assert "no-store" not in anonymous.headers.get("cache-control", "")


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok", "service": "sample"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "nats": "ok"}


async def test_ready_names_nats_when_it_is_down(client: httpx.AsyncClient, nats_server: NatsServer) -> None:
    nats_server.stop()
    response = await client.get("/ready")
    assert response.status_code == 503
    assert "nats down" in response.json()["status"]
    assert response.json()["checks"]["database"] == "ok"


async def test_openapi_is_served_at_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/v1/notes" in schema["paths"] and schema["info"]["title"] == "sample"


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"text": "x", "colour": "red"}, 400, "colour"),
        ({"text": 12}, 400, "Expected `str`"),
        ({}, 400, "text"),
        ({"text": "x" * 5000}, 413, ""),
    ],
)
async def test_bad_bodies_get_a_clear_4xx_in_one_format(
    client: httpx.AsyncClient, body: dict[str, Any], status: int, detail: str
) -> None:
    response = await client.post("/v1/notes", json=body)
    assert response.status_code == status
    payload = response.json()
    assert payload["status_code"] == status and "detail" in payload
    assert detail in str(payload)


async def test_a_write_publishes_its_event_and_a_bad_write_none(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/notes", json={"text": "hello"})).status_code == 201
    duplicate = await client.post("/v1/notes", json={"text": "hello"})
    assert duplicate.status_code == 409 and "conflicts" in duplicate.json()["detail"]
    app = client.app  # type: ignore[attr-defined]
    await app.state.relay.drain()
    bus: Bus = app.state.bus
    messages = await stream_messages(bus, "PROFILES", "profiles.>")
    assert [events.decode(m).data.name for m in messages] == ["hello"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "needs 'Authorization: Bearer"),
        ({"Authorization": "Basic abc"}, 401, "must be 'Bearer <token>'"),
        (bearer("garbage"), 401, "malformed"),
        (bearer(token(ttl=timedelta(seconds=-1))), 401, "expired"),
        (bearer(TokenIssuer("w" * 40).issue("p1", "o1", []).token), 401, "signature"),
        (bearer(token()), 200, ""),
    ],
)
async def test_tokens(client: httpx.AsyncClient, headers: dict[str, str], status: int, detail: str) -> None:
    response = await client.get("/v1/me", headers=headers)
    assert response.status_code == status
    assert detail in response.text


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("learner", "/v1/admin", 403),
        ("platform", "/v1/admin", 200),
        ("anonymous", "/v1/admin", 401),
        ("learner", "/v1/orgs/o1/secrets", 403),
        ("admin-o1", "/v1/orgs/o1/secrets", 200),
        ("admin-o1", "/v1/orgs/o2/secrets", 404),
        ("platform", "/v1/orgs/o2/secrets", 200),
    ],
)
async def test_guards(client: httpx.AsyncClient, who: str, path: str, status: int) -> None:
    headers = {
        "learner": bearer(token()),
        "admin-o1": bearer(token("p2", "o1", ("org_admin",))),
        "platform": bearer(TEST_ADMIN_TOKEN),
        "anonymous": {},
    }[who]
    assert (await client.get(path, headers=headers)).status_code == status


async def test_an_unexpected_error_is_a_500_that_leaks_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "req-123" in response.json()["detail"]


async def test_each_request_logs_one_json_line_with_its_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("peerlearn.access").addHandler(handler)
    try:
        response = await client.get("/health", headers={"X-Request-ID": "abc"})
    finally:
        logging.getLogger("peerlearn.access").removeHandler(handler)
    assert response.headers["x-request-id"] == "abc"
    fields = [r.fields for r in records]  # type: ignore[attr-defined]
    assert len(fields) == 1
    assert fields[0]["path"] == "/health" and fields[0]["status"] == 200 and fields[0]["request_id"] == "abc"
    assert fields[0]["duration_ms"] >= 0


async def test_writes_are_rate_limited_per_person(client: httpx.AsyncClient) -> None:
    headers = bearer(token("busy"))
    statuses = [
        (await client.post("/v1/notes", json={"text": f"n{i}"}, headers=headers)).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [201] * 30
    assert statuses[30] == 429
    other = await client.post("/v1/notes", json={"text": "other"}, headers=bearer(token("calm")))
    assert other.status_code == 201
    assert (await client.get("/health")).status_code == 200  # operations' probes are never limited


async def test_a_429_is_logged_as_429_with_its_request_id_and_retry_after(client: httpx.AsyncClient) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    headers = bearer(token("logged"))
    for i in range(30):
        assert (await client.post("/v1/notes", json={"text": f"l{i}"}, headers=headers)).status_code == 201
    logging.getLogger("peerlearn.access").addHandler(handler)
    try:
        refused = await client.post(
            "/v1/notes", json={"text": "one more"}, headers={**headers, "X-Request-ID": "r429"}
        )
    finally:
        logging.getLogger("peerlearn.access").removeHandler(handler)
    assert refused.status_code == 429
    assert refused.headers["x-request-id"] == "r429"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert [r.fields["status"] for r in records] == [429]  # type: ignore[attr-defined]


async def test_anonymous_traffic_cannot_lock_out_the_platform_admin(client: httpx.AsyncClient) -> None:
    # Unauthenticated writes are refused without using up the IP's bucket.
    for i in range(35):
        assert (await client.post("/v1/notes-by-uow", json={"text": f"a{i}"})).status_code == 201
    admin = bearer(TEST_ADMIN_TOKEN)
    assert (await client.post("/v1/notes", json={"text": "admin"}, headers=admin)).status_code == 201
    # Reads are limited too (anonymous ones per IP), and the admin's bucket is still its own.
    statuses = [(await client.get("/v1/refusals/not-found")).status_code for _ in range(41)]
    assert statuses[:40] == [404] * 40 and statuses[40] == 429
    assert (await client.get("/v1/admin", headers=admin)).status_code == 200


async def test_two_replicas_share_the_rate_limit_through_redis(
    redis_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    import uuid

    env = {
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "PEERLEARN_NATS_URL": nats_server.url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_REDIS_URL": redis_url,
        "PEERLEARN_RATE_LIMIT_PER_MINUTE": "10",
    }
    # A service name of its own keeps this run's counters apart from any other run's.
    settings = load_settings(ServiceSettings, f"replica{uuid.uuid4().hex[:8]}", env)
    # Two replicas: two processes' worth of adapters on one database file.
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    replicas = [
        create_service_app(
            settings,
            title="r",
            route_handlers=[add_note],
            migrations=SAMPLE_MIGRATIONS,
            database=Database(url),
        )
        for _ in range(2)
    ]
    headers = bearer(token("shared-person"))
    async with app_client(replicas[0]) as first, app_client(replicas[1]) as second:
        statuses = [
            (
                await (first if i % 2 else second).post("/v1/notes", json={"text": f"r{i}"}, headers=headers)
            ).status_code
            for i in range(11)
        ]
    assert statuses[:10] == [201] * 10
    assert statuses[10] == 429


SLOW_STARTED: list[asyncio.Event] = []


@post("/v1/slow-notes")
async def add_slow_note(data: NoteIn, db_session: AsyncSession) -> NoteOut:
    for started in SLOW_STARTED:
        started.set()
    await asyncio.sleep(0.5)  # long enough for a retry to arrive at another replica meanwhile
    await db_session.execute(sa.insert(notes).values(text=data.text))
    return NoteOut(text=data.text)


async def test_an_idempotency_key_is_claimed_across_replicas_through_redis(
    redis_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    import uuid

    env = {
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "PEERLEARN_NATS_URL": nats_server.url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_REDIS_URL": redis_url,
    }
    settings = load_settings(ServiceSettings, f"idem{uuid.uuid4().hex[:8]}", env)
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    replicas = [
        create_service_app(
            settings,
            title="r",
            route_handlers=[add_slow_note],
            migrations=SAMPLE_MIGRATIONS,
            database=Database(url),
        )
        for _ in range(2)
    ]
    headers = {**bearer(token("retrier")), "Idempotency-Key": "pay-once"}
    body = {"text": "once"}
    async with app_client(replicas[0]) as first, app_client(replicas[1]) as second:
        SLOW_STARTED[:] = [asyncio.Event()]
        original = asyncio.create_task(first.post("/v1/slow-notes", json=body, headers=headers))
        await asyncio.wait_for(SLOW_STARTED[0].wait(), 10)  # the first replica holds the claim now
        SLOW_STARTED.clear()
        meanwhile = await second.post("/v1/slow-notes", json=body, headers=headers)
        done = await original
        later = await second.post("/v1/slow-notes", json=body, headers=headers)
        different = await second.post("/v1/slow-notes", json={"text": "twice"}, headers=headers)
    assert done.status_code == 201
    assert meanwhile.status_code == 409 and "in progress" in meanwhile.json()["detail"]
    assert later.status_code == 201 and later.headers["idempotent-replay"] == "true"
    assert later.json() == done.json()
    assert different.status_code == 422
    database = Database(url)
    async with database.transaction() as session:
        assert (await session.scalars(sa.select(notes.c.text))).all() == ["once"]
    await database.dispose()


async def test_the_openapi_document_lists_what_every_route_can_answer(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "a person token (sign-in) or the platform-admin credential",
    }
    write = document["paths"]["/v1/notes"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "413", "415", "422", "429"} <= set(write["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in write["parameters"])
    assert "Idempotent-Replay" in write["responses"]["201"]["headers"]
    assert "Retry-After" in write["responses"]["429"]["headers"]
    read = document["paths"]["/v1/me"]["get"]
    assert {"200", "401", "429"} <= set(read["responses"]) and "415" not in read["responses"]
    assert document["components"]["schemas"]["NoteIn"]["additionalProperties"] is False
    assert "/health" in document["paths"] and "429" not in document["paths"]["/health"]["get"]["responses"]


async def test_head_answers_as_get_without_a_body_and_allow_names_every_method(
    client: httpx.AsyncClient,
) -> None:
    get_answer = await client.get("/v1/me", headers=bearer(token("p-head")))
    head = await client.head("/v1/me", headers=bearer(token("p-head")))
    assert head.status_code == get_answer.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get_answer.headers["content-type"]
    options = await client.options("/v1/notes")
    assert options.headers["allow"] == "OPTIONS, POST"
    options = await client.options("/v1/me")
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    refused = await client.put("/v1/me", json={})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"
    assert (await client.head("/v1/notes")).status_code == 405  # no GET there, so no HEAD either


def test_a_service_has_one_unit_of_work_the_composition_root_may_pass(
    database: Database, tmp_path: Path
) -> None:
    env = {"PEERLEARN_DATA_DIR": str(tmp_path), "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET}
    settings = load_settings(ServiceSettings, "sample", env)
    mine = UnitOfWork(database)
    app = create_service_app(
        settings,
        title="s",
        route_handlers=[],
        migrations=SAMPLE_MIGRATIONS,
        database=database,
        unit_of_work=mine,
    )
    assert app.state.uow is mine
    with pytest.raises(ValueError, match="service's database"):
        create_service_app(
            settings,
            title="s",
            route_handlers=[],
            migrations=SAMPLE_MIGRATIONS,
            database=database,
            unit_of_work=UnitOfWork(Database(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")),
        )
