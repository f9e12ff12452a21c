"""The content version bumped once per transaction on PostgreSQL, not once per row written
(:data:`peerlearn.content_version_migration.BUMP_FUNCTION`); SQLite's triggers stay as they are."""

from alembic import op

from peerlearn.content_version_migration import bump_once_per_transaction

revision = "0005"
down_revision = "0004"

# The function of migration 0004 (a bump per row): what a downgrade puts back.
PER_ROW = (
    "CREATE OR REPLACE FUNCTION content_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE content_version SET n = n + 1 WHERE id = 1; RETURN NULL; END $$"
)


def upgrade() -> None:
    bump_once_per_transaction(op)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(PER_ROW)
