"""The refresh backlog in the database: people whose suggestions a change touched indirectly, queued
in that change's transaction, so a replica that dies before refreshing them loses none
(adapters/refresh_backlog.py)."""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "refresh_backlog",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("refresh_backlog")
