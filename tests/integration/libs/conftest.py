"""Fixtures for the foundation's integration tests: a migrated sample schema and a connected bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from peerlearn.bus import Bus
from peerlearn.store import Database

SAMPLE_MIGRATIONS = Path(__file__).parent / "sample_migrations"


@pytest.fixture
async def migrated(database: Database) -> Database:
    await database.migrate(SAMPLE_MIGRATIONS)
    return database


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    bus = Bus(nats_url)
    await bus.connect(timeout=10)
    try:
        yield bus
    finally:
        await bus.close()
