"""The content version: one row every write to a person's suggestions or to who a caller is bumps,
in its transaction (:mod:`peerlearn.content_version_migration`; the key of the matcher's read
cache of suggestion pages and callers)."""

from alembic import op

from peerlearn.content_version_migration import create_content_version, drop_content_version

revision = "0009"
down_revision = "0008"

# Who the caller is (the directory: ``caller_for`` reads people, cohorts and their members) and
# what a suggestions page lists (its rows; the candidates' names come from the index per read).
TABLES = ("people", "cohorts", "cohort_orgs", "cohort_members", "suggestions")


def upgrade() -> None:
    create_content_version(op, TABLES)


def downgrade() -> None:
    drop_content_version(op, TABLES)
