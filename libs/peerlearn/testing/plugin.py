"""pytest fixtures every test suite of peerlearn uses (registered as a pytest plugin).

- ``nats_server`` / ``nats_url``: a real nats-server per test, on a free port, with a
  temporary JetStream store (as nats.py's own tests do); ``module_nats`` one per module.
- ``module_database_url``: a database URL per module on SQLite and on PostgreSQL (each module
  of a service's integration tests runs once per engine against one started app).
- Beside the fixtures: :class:`peerlearn.testing.tap.StreamTap` (the events a request
  published), :func:`peerlearn.testing.waiting.settled` (a consumer applied these events),
  :func:`peerlearn.testing.client.app_client` (an app started in the test's loop).
- ``postgres_url``: a fresh PostgreSQL database for the test session, dropped after.
- ``redis_url``: the machine's Redis.
- ``database``: a :class:`~peerlearn.store.Database` on SQLite *and* on PostgreSQL
  (the test runs once for each), in a schema of its own.
- ``settings_env``: environment for a service's settings in a temp dir with test secrets.
- ``make_token``: signs a token for a person with the test secret.
- ``ralph_lrs``: a real Ralph LRS per module (:mod:`peerlearn.testing.lrs`).
- ``@pytest.mark.postgresql_only``: a test of something only PostgreSQL does (two writers at
  once, say) is collected for the PostgreSQL case of the engine fixtures only.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from peerlearn.auth import TokenIssuer
from peerlearn.store import Database
from peerlearn.testing.lrs import ralph_lrs  # noqa: F401  (a fixture, registered by this plugin)
from peerlearn.testing.oidc import oidc_provider  # noqa: F401  (a fixture, registered by this plugin)
from peerlearn.testing.servers import (
    POSTGRES_URL,
    REDIS_URL,
    NatsServer,
    reachable,
    start_nats,
    unavailable,
)
from peerlearn.testing.smtp import smtp_server  # noqa: F401  (a fixture, registered by this plugin)

TEST_JWT_SECRET = "test-secret-" + "x" * 40
TEST_ADMIN_TOKEN = "test-admin-token-" + "y" * 30

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    server = start_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    return nats_server.url


# The engine fixtures' parameter names: a test's case of each is in its callspec under them.
_ENGINE_FIXTURES = ("module_database_url", "database")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``postgresql_only`` loses its SQLite case: deselected (it does not apply to
    that engine), not skipped (a skip in CI's summary would have to be read to be believed)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        engines = {callspec.params.get(name) for name in _ENGINE_FIXTURES} if callspec else set()
        if "sqlite" in engines and item.get_closest_marker("postgresql_only"):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="module")
def module_nats() -> Iterator[NatsServer]:
    """One nats-server for a whole test module (a started app per module shares it)."""
    server = start_nats()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL per module, on SQLite and on PostgreSQL (the module runs once for each)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'service.db'}"
    postgres: str = request.getfixturevalue("postgres_url")
    return postgres


async def _create_database(admin_url: str, name: str) -> None:
    import asyncpg

    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(admin_url: str, name: str) -> None:
    import asyncpg

    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session on the machine's PostgreSQL."""
    if not reachable(POSTGRES_URL, 5432):
        unavailable(f"PostgreSQL at {POSTGRES_URL}")
    name = f"peerlearn_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_create_database(POSTGRES_URL, name))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_drop_database(POSTGRES_URL, name))


@pytest.fixture
def redis_url() -> str:
    if not reachable(REDIS_URL, 6379):
        unavailable(f"Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL on each engine; PostgreSQL ones carry a fresh schema in ``#schema``."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    postgres: str = request.getfixturevalue("postgres_url")
    return postgres


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An empty database on SQLite and on PostgreSQL (a schema of its own per test)."""
    db = Database(database_url, schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def settings_env(tmp_path: Path, nats_url: str) -> dict[str, str]:
    """Environment for a service under test: temp data dir, this test's NATS, test secrets."""
    return {
        "PEERLEARN_DATA_DIR": str(tmp_path / "var"),
        "PEERLEARN_NATS_URL": nats_url,
        "PEERLEARN_JWT_SECRET": TEST_JWT_SECRET,
        "PEERLEARN_ADMIN_TOKEN": TEST_ADMIN_TOKEN,
    }


@pytest.fixture
def make_token() -> Callable[..., str]:
    """``make_token(person_id, org_id, roles=("learner",))`` → a bearer token for tests."""
    issuer = TokenIssuer(TEST_JWT_SECRET)

    def _make(person_id: str, org_id: str, roles: tuple[str, ...] | list[str] = ("learner",)) -> str:
        return issuer.issue(person_id, org_id, list(roles)).token

    return _make


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"}
