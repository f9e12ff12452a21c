"""insights' tables: the directory and where each thread lives (from the streams), and the
learning acts of each person."""

from __future__ import annotations

import sqlalchemy as sa

from peerlearn.consuming import processed_events_table
from peerlearn.directory.store import DirectoryStore
from peerlearn.directory.tables import directory_tables
from peerlearn.store import UTCDateTime

metadata = sa.MetaData()
processed_events = processed_events_table(metadata)
directory = directory_tables(metadata)
DIRECTORY = DirectoryStore(directory)

# Where each thread lives and its title and tags, so a record shows a title only to a reader
# who may see the thread (the events of posts and votes do not all say).
threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("visibility", sa.String(10), nullable=False),
    sa.Column("org_id", sa.String(64), nullable=True),
    sa.Column("cohort_id", sa.String(64), nullable=True),
    sa.Column("tags", sa.JSON, nullable=False),
)
# One row per learning act of one person: the event's id and the person's part in it make it
# unique, so a redelivered event (already stopped by apply_once) could never count twice.
acts = sa.Table(
    "acts",
    metadata,
    sa.Column("event_id", sa.String(40), primary_key=True),
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("verb", sa.String(20), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("thread_id", sa.String(64), nullable=True),
    sa.Column("cohort_id", sa.String(64), nullable=True),
    sa.Column("other_id", sa.String(64), nullable=True),
    sa.Column("minutes", sa.Integer, nullable=True),
)
sa.Index("ix_acts_person_at", acts.c.person_id, acts.c.at)
# Each org's learning record store; the password is kept sealed (peerlearn.sealing) for the
# sender and never answered.
org_lrs = sa.Table(
    "org_lrs",
    metadata,
    sa.Column("org_id", sa.String(64), primary_key=True),
    sa.Column("endpoint", sa.String(500), nullable=False),
    sa.Column("username", sa.String(200), nullable=False),
    sa.Column("password", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
