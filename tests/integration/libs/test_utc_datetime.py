"""Timestamps come back from every engine in UTC with their offset (RFC 3339 in answers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from peerlearn.store import Database, UTCDateTime

metadata = sa.MetaData()
moments = sa.Table(
    "moments", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", UTCDateTime)
)


async def test_times_read_back_are_utc_with_their_offset(migrated: Database) -> None:
    async with migrated.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    berlin = datetime(2026, 12, 1, 18, 30, tzinfo=timezone(timedelta(hours=1)))
    async with migrated.transaction() as session:
        await session.execute(sa.insert(moments).values(id=1, at=berlin))
        await session.execute(sa.insert(moments).values(id=2, at=datetime(2026, 12, 1, 17, 30)))
    async with migrated.reading() as session:
        read = list(await session.scalars(sa.select(moments.c.at).order_by(moments.c.id)))
    assert read == [datetime(2026, 12, 1, 17, 30, tzinfo=UTC)] * 2
    assert all(moment.utcoffset() == timedelta(0) for moment in read)
    assert read[0].isoformat() == "2026-12-01T17:30:00+00:00"
