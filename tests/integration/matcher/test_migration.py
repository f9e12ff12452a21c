"""Migration 0003: the matcher's own people, cohorts and memberships become the library's directory,
keeping the data (on SQLite in batch mode and on PostgreSQL), and back."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.store import DirectoryStore
from peerlearn.store import Database, alembic_config
from peerlearn_matcher.adapters import tables
from peerlearn_matcher.adapters.tables import MIGRATIONS

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def _alembic(database: Database, action: str, revision: str) -> None:
    async with database.engine.begin() as conn:
        if database.schema is not None:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
        await conn.run_sync(lambda c: getattr(command, action)(alembic_config(str(MIGRATIONS), c), revision))


def _old(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns))


async def test_the_old_read_model_is_kept_in_the_directory(database: Database) -> None:
    await _alembic(database, "upgrade", "0002")
    admin = events.PersonProfile(id="p-admin", org_id="org-a", display_name="Ada Admin", roles=["org_admin"])
    async with database.transaction() as session:
        await session.execute(
            sa.insert(_old("people", "id", "org_id", "profile", "updated_at")).values(
                id=admin.id, org_id=admin.org_id, profile=msgspec.json.encode(admin), updated_at=AT
            )
        )
        await session.execute(
            sa.insert(_old("cohorts", "id", "name", "owner_org_id", "topic")).values(
                id="c1", name="Data Guild", owner_org_id="org-a", topic="data"
            )
        )
        await session.execute(
            sa.insert(_old("cohort_orgs", "cohort_id", "org_id")).values(cohort_id="c1", org_id="org-a")
        )
        await session.execute(
            sa.insert(_old("cohort_members", "cohort_id", "person_id", "org_id")).values(
                cohort_id="c1", person_id=admin.id, org_id="org-a"
            )
        )

    await database.migrate(MIGRATIONS)

    directory = DirectoryStore(tables.directory)
    async with database.reading() as session:
        caller = await directory.caller_for(session, Principal(person_id=admin.id, org_id="org-a", roles=()))
        names = await directory.display_names(session, {admin.id})
        profile = await session.scalar(sa.select(tables.profiles.c.profile))
    # Their name, roles and cohorts survive: an admin still plans the cohort after the upgrade.
    assert names == {admin.id: "Ada Admin"}
    assert (
        caller.roles == ("org_admin",) and caller.cohort_ids == {"c1"} and caller.admin_cohort_ids == {"c1"}
    )
    assert msgspec.json.decode(profile, type=events.PersonProfile) == admin

    # Any real event about a kept membership wins over the migrated record (it dates from the epoch).
    async with database.transaction() as session:
        changed = await directory.set_membership(session, "c1", admin.id, "org-a", False, AT)
    assert changed

    await _alembic(database, "downgrade", "0002")
    async with database.reading() as session:
        people = (await session.execute(sa.select(_old("people", "id", "org_id")))).all()
        members = (await session.execute(sa.select(_old("cohort_members", "cohort_id", "person_id")))).all()
    assert [tuple(r) for r in people] == [(admin.id, "org-a")]
    assert members == []  # the membership ended after the upgrade is not brought back
