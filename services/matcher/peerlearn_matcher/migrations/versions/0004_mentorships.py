"""Mentorships and their sessions (issue 12): requests, introductions, sessions, closing."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mentorships",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("mentee_id", sa.String(64), nullable=False, index=True),
        sa.Column("mentor_id", sa.String(64), nullable=False, index=True),
        sa.Column("mentee_org_id", sa.String(64), nullable=False),
        sa.Column("mentor_org_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("suggestion_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("reasons", sa.LargeBinary, nullable=False),
        sa.Column("proposed_times", sa.LargeBinary, nullable=True),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
    )
    op.create_table(
        "mentorship_sessions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("mentorship_id", sa.String(40), nullable=False, index=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("topics", sa.JSON, nullable=False),
        sa.Column("logged_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mentorship_sessions")
    op.drop_table("mentorships")
