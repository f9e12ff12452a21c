"""The forum service's tables: its own data, its read models, and search.

Spaces, threads, posts, votes, flags and reputation are the forum's system of record.
``people``, ``cohorts``, ``cohort_orgs`` and ``cohort_members`` are the library's directory
(:mod:`peerlearn.directory`), kept from profiles' events; ``thread_suggestions`` keeps what the
matcher last suggested for a thread; ``processed_events`` the events applied (apply-once).
``search_docs`` holds one row per searchable thread or post; the full-text index on it is
engine-specific (FTS5 on SQLite, a tsvector GIN index on PostgreSQL) and is created by the
migrations, not here.
"""

from __future__ import annotations

import sqlalchemy as sa

from peerlearn.consuming import processed_events_table
from peerlearn.directory.tables import directory_tables
from peerlearn.outbox import outbox_table
from peerlearn.store import UTCDateTime

metadata = sa.MetaData()
outbox = outbox_table(metadata)

# Read back in UTC with its offset on every engine (SQLite keeps none): answers are RFC 3339.
TS = UTCDateTime

spaces = sa.Table(
    "spaces",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("visibility", sa.String(10), nullable=False),
    sa.Column("org_id", sa.String(64), nullable=True, index=True),
    sa.Column("cohort_id", sa.String(64), nullable=True, index=True),
    sa.Column("created_by", sa.String(64), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("thread_count", sa.Integer, nullable=False, server_default="0"),
)

threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("space_id", sa.String(40), sa.ForeignKey("spaces.id"), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("url", sa.String(2000), nullable=True),
    sa.Column("accepted_post_id", sa.String(40), nullable=True),
    sa.Column("score", sa.Integer, nullable=False, server_default="0"),
    sa.Column("post_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("edited_at", TS, nullable=True),
    sa.Column("last_activity_at", TS, nullable=False),
    sa.Index("ix_threads_space_activity", "space_id", "last_activity_at"),
    sa.Index("ix_threads_space_created", "space_id", "created_at"),
)

thread_tags = sa.Table(
    "thread_tags",
    metadata,
    sa.Column("thread_id", sa.String(40), sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(40), primary_key=True),
    sa.Index("ix_thread_tags_tag", "tag"),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("thread_id", sa.String(40), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False, server_default="0"),
    # visible | hidden (flagged, pending review) | removed (by a moderator) | deleted (by its author)
    sa.Column("status", sa.String(10), nullable=False, server_default="visible"),
    sa.Column("flag_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("edited_at", TS, nullable=True),
    sa.Index("ix_posts_thread_created", "thread_id", "created_at"),
    sa.Index("ix_posts_status", "status"),
)

votes = sa.Table(
    "votes",
    metadata,
    # target_id is a post id, or the thread id for a vote on the thread itself.
    sa.Column("target_id", sa.String(40), primary_key=True),
    sa.Column("voter_id", sa.String(64), primary_key=True),
    sa.Column("thread_id", sa.String(40), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("voted_at", TS, nullable=False),
    sa.Index("ix_votes_voter", "voter_id"),
)

flags = sa.Table(
    "flags",
    metadata,
    sa.Column("post_id", sa.String(40), sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("flagger_id", sa.String(64), primary_key=True),
    sa.Column("reason", sa.String(500), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Index("ix_flags_flagger", "flagger_id"),
)

reputation = sa.Table(
    "reputation",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("points", sa.Integer, nullable=False, server_default="0"),
)

# --- read models: profiles' directory (the library's tables) and the matcher's suggestions ---

directory = directory_tables(metadata)
people, cohorts, cohort_orgs, cohort_members = (
    directory.people,
    directory.cohorts,
    directory.cohort_orgs,
    directory.cohort_members,
)

thread_suggestions = sa.Table(
    "thread_suggestions",
    metadata,
    sa.Column("thread_id", sa.String(40), primary_key=True),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("version_at", TS, nullable=False),
)

processed_events = processed_events_table(metadata)

# One row: bumped by triggers (migration 0004) in every transaction that changes what a reader
# is shown or who a caller is; the read cache's key (``peerlearn.read_cache``).
content_version = sa.Table(
    "content_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)

# --- search -------------------------------------------------------------------------------

search_docs = sa.Table(
    "search_docs",
    metadata,
    # An integer key: FTS5's external-content table is keyed by it on SQLite.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("doc_id", sa.String(40), nullable=False, unique=True),  # thread or post id
    sa.Column("thread_id", sa.String(40), nullable=False, index=True),
    sa.Column("space_id", sa.String(40), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("visible", sa.Boolean, nullable=False, server_default=sa.true()),
)
