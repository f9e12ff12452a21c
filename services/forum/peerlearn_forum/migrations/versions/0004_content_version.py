"""The content version: one row every write to what a reader is shown bumps, in its transaction
(:mod:`peerlearn.content_version_migration`; the key of the forum's read cache)."""

from alembic import op

from peerlearn.content_version_migration import create_content_version, drop_content_version

revision = "0004"
down_revision = "0003"

# What a reader is shown, or who the caller is: spaces, threads, posts (scores and statuses
# too), tags, the directory (names, erasure, orgs, cohorts) and the matcher's suggestions.
# Votes change a post's or thread's score, so they bump through those rows.
TABLES = (
    "spaces",
    "threads",
    "thread_tags",
    "posts",
    "thread_suggestions",
    "people",
    "cohorts",
    "cohort_orgs",
    "cohort_members",
)


def upgrade() -> None:
    create_content_version(op, TABLES)


def downgrade() -> None:
    drop_content_version(op, TABLES)
