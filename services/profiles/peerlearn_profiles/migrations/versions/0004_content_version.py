"""The content version: one row every write to what a reader is shown bumps, in its transaction
(:mod:`peerlearn.content_version_migration`; the key of profiles' read cache)."""

from alembic import op

from peerlearn.content_version_migration import create_content_version, drop_content_version

revision = "0004"
down_revision = "0003"

# What a person's profile shows and who the caller is (``usecases.access.viewer_of``: their
# org, roles and cohorts; an erasure deletes their row): people and their skills, orgs, cohorts,
# which orgs share them and who is a member. Sign-in codes and SSO settings are never shown in a
# profile: their writes (every sign-in) leave the cache be.
TABLES = ("orgs", "people", "skills", "cohorts", "cohort_orgs", "cohort_members")


def upgrade() -> None:
    create_content_version(op, TABLES)


def downgrade() -> None:
    drop_content_version(op, TABLES)
