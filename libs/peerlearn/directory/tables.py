"""The directory's tables, added to a consuming service's own metadata (and migrations)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from peerlearn.store import UTCDateTime

TS = UTCDateTime


@dataclass(frozen=True)
class DirectoryTables:
    people: sa.Table
    cohorts: sa.Table
    cohort_orgs: sa.Table
    cohort_members: sa.Table


def directory_tables(metadata: sa.MetaData) -> DirectoryTables:
    """``people``, ``cohorts``, ``cohort_orgs`` and ``cohort_members`` in ``metadata``."""
    people = sa.Table(
        "people",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        # An erased person stays as a tombstone so a late upsert cannot bring them back.
        sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version_at", TS, nullable=False),
    )
    cohorts = sa.Table(
        "cohorts",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_org_id", sa.String(64), nullable=False),
    )
    cohort_orgs = sa.Table(
        "cohort_orgs",
        metadata,
        sa.Column("cohort_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
    )
    cohort_members = sa.Table(
        "cohort_members",
        metadata,
        sa.Column("cohort_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        # Last writer wins per (cohort, person) by event time, so late or replayed events
        # never undo a newer change.
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Index("ix_cohort_members_person", "person_id"),
    )
    return DirectoryTables(people, cohorts, cohort_orgs, cohort_members)
