"""Org webhooks: the webhooks, the org's questions, deliveries and their attempts."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TS = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("unanswered_after_hours", sa.Integer, nullable=True),
        sa.Column("secret", sa.String(100), nullable=True),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("disabled_at", TS, nullable=True),
        sa.Column("disabled_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_webhooks_org", "webhooks", ["org_id"])
    op.create_table(
        "org_questions",
        sa.Column("thread_id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_org_questions_open", "org_questions", ["answered", "org_id", "created_at"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("webhook_id", sa.String(40), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("event_key", sa.String(120), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("failed_at", TS, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.UniqueConstraint("webhook_id", "event_key", name="uq_webhook_deliveries_event"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["delivered_at", "failed_at", "next_attempt_at"]
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("delivery_id", sa.String(40), primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("webhook_id", sa.String(40), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("webhook_attempts", "webhook_deliveries", "org_questions", "webhooks"):
        op.drop_table(table)
