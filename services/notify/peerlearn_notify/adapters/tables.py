"""notify's tables: the directory and a thread read model from the streams, the inbox, each
person's settings and address, and the mail outbox with its sent-digest records."""

from __future__ import annotations

import sqlalchemy as sa

from peerlearn.consuming import processed_events_table
from peerlearn.directory.store import DirectoryStore
from peerlearn.directory.tables import directory_tables
from peerlearn.store import UTCDateTime

TS = UTCDateTime
metadata = sa.MetaData()
processed_events = processed_events_table(metadata)
directory = directory_tables(metadata)
DIRECTORY = DirectoryStore(directory)

# Where each question lives (from forum.thread.created), so a notification about it is shown
# only to people who may see it: the matcher's routing event does not say.
threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=True),
    sa.Column("visibility", sa.String(10), nullable=False),
    sa.Column("org_id", sa.String(64), nullable=True),
    sa.Column("cohort_id", sa.String(64), nullable=True),
)
# Answerers routed to a thread whose creation had not reached notify yet (the MATCHER and FORUM
# streams are consumed apart): told as soon as the thread arrives.
pending_routes = sa.Table(
    "pending_routes",
    metadata,
    sa.Column("thread_id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("routed_at", TS, nullable=False),
)
# Who answered a thread so far (for thread_activity).
thread_answerers = sa.Table(
    "thread_answerers",
    metadata,
    sa.Column("thread_id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(64), primary_key=True),
)
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("title", sa.String(400), nullable=False),
    sa.Column("link", sa.String(400), nullable=False),
    sa.Column("thread_id", sa.String(64), nullable=True),
    # One notification per (person, key): the event id, or "kind:day" for the daily limit.
    sa.Column("dedupe_key", sa.String(120), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("read_at", TS, nullable=True),
    # "immediate" (a mail is in the mail outbox), "daily"/"weekly" (waits for the digest),
    # "digested" (was in one), "off", "late" (applied long after the event: never mailed).
    sa.Column("mail", sa.String(10), nullable=False),
    sa.UniqueConstraint("person_id", "dedupe_key", name="uq_notifications_dedupe"),
    sa.Index("ix_notifications_person", "person_id", "id"),
    # The unread count (asked by every web page) reads this index only, however many were read.
    sa.Index(
        "ix_notifications_unread",
        "person_id",
        sqlite_where=sa.text("read_at IS NULL"),
        postgresql_where=sa.text("read_at IS NULL"),
    ),
    sa.Index("ix_notifications_mail", "mail", "person_id"),
)
preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("kinds", sa.JSON, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("quiet_start", sa.String(5), nullable=True),
    sa.Column("quiet_end", sa.String(5), nullable=True),
    sa.Column("updated_at", TS, nullable=False),
)
contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("version_at", TS, nullable=False),
)
# Suggestions a person was already told about (new_suggestion is only for new ones).
seen_suggestions = sa.Table(
    "seen_suggestions",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("candidate_id", sa.String(64), primary_key=True),
)
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(20), nullable=False),  # immediate | daily | weekly
    sa.Column("to_address", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(400), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("headers", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    # Not before this time: the back-off after a refusal, or the lease of a sender at work.
    sa.Column("next_attempt_at", TS, nullable=False),
    sa.Column("sent_at", TS, nullable=True),
    sa.Column("failed_at", TS, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),
    sa.Index("ix_mail_outbox_person", "person_id", "created_at"),
)
# One row per digest sent (person, "daily:2026-12-01" / "weekly:2026-W49"), written in the
# transaction that schedules it: a digest is never scheduled twice.
sent_digests = sa.Table(
    "sent_digests",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("mail_id", sa.String(40), nullable=False),
    sa.Column("sent_at", TS, nullable=False),
)
