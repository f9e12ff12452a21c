"""The directory, threads and answerers, notifications, preferences, contacts, the mail outbox."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TS = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("processed_at", TS, nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version_at", TS, nullable=False),
    )
    op.create_table(
        "cohorts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_org_id", ID, nullable=False),
    )
    op.create_table(
        "cohort_orgs",
        sa.Column("cohort_id", ID, primary_key=True),
        sa.Column("org_id", ID, primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
    )
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", ID, primary_key=True),
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
    )
    op.create_index("ix_cohort_members_person", "cohort_members", ["person_id"])
    op.create_table(
        "threads",
        sa.Column("id", ID, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("org_id", ID, nullable=True),
        sa.Column("cohort_id", ID, nullable=True),
    )
    op.create_table(
        "pending_routes",
        sa.Column("thread_id", ID, primary_key=True),
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("routed_at", TS, nullable=False),
    )
    op.create_table(
        "thread_answerers",
        sa.Column("thread_id", ID, primary_key=True),
        sa.Column("person_id", ID, primary_key=True),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("link", sa.String(400), nullable=False),
        sa.Column("thread_id", ID, nullable=True),
        sa.Column("dedupe_key", sa.String(120), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.Column("mail", sa.String(10), nullable=False),
        sa.UniqueConstraint("person_id", "dedupe_key", name="uq_notifications_dedupe"),
    )
    op.create_index("ix_notifications_person", "notifications", ["person_id", "id"])
    op.create_index("ix_notifications_mail", "notifications", ["mail", "person_id"])
    op.create_table(
        "preferences",
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("quiet_start", sa.String(5), nullable=True),
        sa.Column("quiet_end", sa.String(5), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "contacts",
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("version_at", TS, nullable=False),
    )
    op.create_table(
        "seen_suggestions",
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("candidate_id", ID, primary_key=True),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(400), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("failed_at", TS, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["sent_at", "failed_at", "next_attempt_at"])
    op.create_index("ix_mail_outbox_person", "mail_outbox", ["person_id", "created_at"])
    op.create_table(
        "sent_digests",
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("mail_id", sa.String(40), nullable=False),
        sa.Column("sent_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "sent_digests",
        "mail_outbox",
        "seen_suggestions",
        "contacts",
        "preferences",
        "notifications",
        "thread_answerers",
        "pending_routes",
        "threads",
        "cohort_members",
        "cohort_orgs",
        "cohorts",
        "people",
        "processed_events",
    ):
        op.drop_table(table)
