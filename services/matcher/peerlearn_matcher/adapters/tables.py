"""The matcher service's tables: the directory, its matching data, vectors, suggestions, feedback.

Who exists, their org, roles, erasure and cohort memberships are the library's directory
(:func:`peerlearn.directory.directory_tables`: ``people``, ``cohorts``, ``cohort_orgs``,
``cohort_members``); the matcher's own matching data (the full profile with skills, capacity,
hours; threads, posts, vectors) lives beside it. Everything here except ``suggestions``,
``feedback``, ``exposures``, the mentorships and ``routing_rounds`` can be rebuilt from the
PROFILES and FORUM streams alone (``peerlearn matcher rebuild``); feedback is replayed from the
matcher's own ``matcher.suggestion.feedback`` events.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from peerlearn.consuming import processed_events_table
from peerlearn.directory.tables import directory_tables
from peerlearn.outbox import outbox_table
from peerlearn.store import UTCDateTime

MIGRATIONS = Path(__file__).parent.parent / "migrations"

metadata = sa.MetaData()
outbox = outbox_table(metadata)
directory = directory_tables(metadata)
processed_events = processed_events_table(metadata)

# A person's matching data as the last PERSON_UPSERTED said (the full msgspec-encoded profile:
# skills, goal, hours, capacity, consent), with the event time so an older upsert delivered late
# never overwrites a newer one. Identity, roles and erasure are the directory's.
profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("org_id", sa.String(64), nullable=False, index=True),
    sa.Column("profile", sa.LargeBinary, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

orgs = sa.Table(
    "orgs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
)

threads = sa.Table(
    "threads",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("space_id", sa.String(64), nullable=False),
    sa.Column("visibility", sa.String(10), nullable=False),
    sa.Column("org_id", sa.String(64), nullable=True),
    sa.Column("cohort_id", sa.String(64), nullable=True),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False, server_default=""),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("accepted_post_id", sa.String(64), nullable=True),
    sa.Column("accepted_author_id", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),  # migration 0006
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("thread_id", sa.String(64), nullable=False, index=True),
    sa.Column("author_id", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),  # migration 0006
)

# Embeddings, each stored with the model that made it: a model change triggers a re-embed.
vectors = sa.Table(
    "vectors",
    metadata,
    sa.Column("owner_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(10), primary_key=True),  # offer | need | thread
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

suggestions = sa.Table(
    "suggestions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("candidate_id", sa.String(64), nullable=False, index=True),
    sa.Column("thread_id", sa.String(64), nullable=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("reasons", sa.LargeBinary, nullable=False),
    sa.Column("features", sa.LargeBinary, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # open | accepted | declined
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("suggestion_id", sa.String(40), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False, index=True),
    sa.Column("candidate_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("rating", sa.Integer, nullable=True),
    sa.Column("features", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The question of an answerer suggestion (a decline is "not my area" for that question).
    sa.Column("thread_id", sa.String(64), nullable=True),
)

# Who was put forward as mentor / answerer for whom, per ISO week: the load caps count these.
exposures = sa.Table(
    "exposures",
    metadata,
    sa.Column("candidate_id", sa.String(64), primary_key=True),
    sa.Column("target_id", sa.String(64), primary_key=True),  # the learner or the thread
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("week", sa.String(10), primary_key=True),
)

# Mentorships (issue 12): a request the mentor answers, then sessions, then a close with a rating.
# The matcher's own facts, like feedback; ``notes`` are seen by the two parties only.
mentorships = sa.Table(
    "mentorships",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("mentee_id", sa.String(64), nullable=False, index=True),
    sa.Column("mentor_id", sa.String(64), nullable=False, index=True),
    sa.Column("mentee_org_id", sa.String(64), nullable=False),
    sa.Column("mentor_org_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # mentor | expert
    sa.Column("suggestion_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # requested|active|declined|expired|closed
    sa.Column("goal", sa.Text, nullable=False),
    sa.Column("reasons", sa.LargeBinary, nullable=False),
    sa.Column("proposed_times", sa.LargeBinary, nullable=True),
    sa.Column("rating", sa.Integer, nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("answered_at", UTCDateTime, nullable=True),
    sa.Column("closed_at", UTCDateTime, nullable=True),
)

mentorship_sessions = sa.Table(
    "mentorship_sessions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("mentorship_id", sa.String(40), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("topics", sa.JSON, nullable=False),
    sa.Column("logged_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Follow-through (issue 14): how many times a question was routed again for want of an answer,
# and when it was last routed. The matcher's own facts, like feedback (a rebuild keeps them).
routing_rounds = sa.Table(
    "routing_rounds",
    metadata,
    sa.Column("thread_id", sa.String(64), primary_key=True),
    sa.Column("rounds", sa.Integer, nullable=False),
    sa.Column("routed_at", UTCDateTime, nullable=False, index=True),
)

# Replicas (issue 15): what changed in the in-memory index, logged by the transaction that changed
# it, so every replica reloads it (adapters/index_changes.py); and the one row whose update is
# the turn every such transaction takes first, so the log's ids are in commit order.
index_changes = sa.Table(
    "index_changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column(
        "kind", sa.String(20), nullable=False
    ),  # person | thread | post | cohort | list | routed | model | routing
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

index_turn = sa.Table(
    "index_turn",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("turns", sa.BigInteger, nullable=False),
)

# The learned routing model (issue 14) as one replica trained it and every replica routes with it
# (adapters/routing_models.py); the newest row is the one in use, older ones are pruned.
routing_models = sa.Table(
    "routing_models",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("trained_at", UTCDateTime, nullable=False),
    sa.Column("model", sa.LargeBinary, nullable=False),
)

# People whose suggestions a change touched indirectly (a cohort's members, a thread's asker...),
# queued in that change's transaction and refreshed by any replica (adapters/refresh_backlog.py).
refresh_backlog = sa.Table(
    "refresh_backlog",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("queued_at", UTCDateTime, nullable=False, index=True),
)

# One row: bumped by triggers (migration 0009) in every transaction that changes a person's
# suggestions or who a caller is; the read cache's key (``peerlearn.read_cache``).
content_version = sa.Table(
    "content_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)
