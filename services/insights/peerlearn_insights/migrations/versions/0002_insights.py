"""The directory, threads, and the learning acts."""

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
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("org_id", ID, nullable=True),
        sa.Column("cohort_id", ID, nullable=True),
        sa.Column("tags", sa.JSON, nullable=False),
    )
    op.create_table(
        "acts",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("verb", sa.String(20), primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("thread_id", ID, nullable=True),
        sa.Column("cohort_id", ID, nullable=True),
        sa.Column("other_id", ID, nullable=True),
        sa.Column("minutes", sa.Integer, nullable=True),
    )
    op.create_index("ix_acts_person_at", "acts", ["person_id", "at"])


def downgrade() -> None:
    for table in (
        "acts",
        "threads",
        "cohort_members",
        "cohort_orgs",
        "cohorts",
        "people",
        "processed_events",
    ):
        op.drop_table(table)
