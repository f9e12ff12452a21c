"""Fixtures for the foundation's integration tests: a migrated sample schema and a connected bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from peerlearn.bus import Bus
from peerlearn.store import Database

SAMPLE_MIGRATIONS = Path(__file__).parent / "sample_migrations"

metadata = sa.MetaData()
notes = sa.Table(
    "notes", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String(200))
)
counters = sa.Table(
    "counters", metadata, sa.Column("name", sa.String(50), primary_key=True), sa.Column("value", sa.Integer)
)


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
