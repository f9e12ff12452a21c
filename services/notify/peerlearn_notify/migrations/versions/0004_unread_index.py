"""A partial index of unread notifications per person: every page of the web asks for the count."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

UNREAD = sa.text("read_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["person_id"],
        sqlite_where=UNREAD,
        postgresql_where=UNREAD,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_unread", table_name="notifications")
