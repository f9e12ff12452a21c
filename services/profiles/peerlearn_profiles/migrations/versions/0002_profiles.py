"""Orgs, people, skills, cohorts, cohort orgs and cohort members."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("bio", sa.Text, nullable=False),
        sa.Column("goal", sa.String(300), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekly_hours", sa.Float, nullable=False),
        sa.Column("mentor_capacity", sa.Integer, nullable=False),
        sa.Column("open_to_external", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "email_key", name="uq_people_org_email"),
    )
    op.create_table(
        "skills",
        sa.Column(
            "person_id", sa.String(40), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("name_key", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("wants", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "cohorts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("owner_org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=True),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cohort_orgs",
        sa.Column(
            "cohort_id", sa.String(40), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cohort_members",
        sa.Column(
            "cohort_id", sa.String(40), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "person_id", sa.String(40), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("org_id", sa.String(40), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cohort_members_org_id", "cohort_members", ["org_id"])
    op.create_index("ix_people_org_id", "people", ["org_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_people_org_id", "people")
    op.drop_index("ix_cohort_members_org_id", "cohort_members")
    for table in ("cohort_members", "cohort_orgs", "cohorts", "skills", "people", "orgs"):
        op.drop_table(table)
