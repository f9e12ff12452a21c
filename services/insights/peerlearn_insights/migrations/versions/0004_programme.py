"""The programme's suggestions, mentorships and routed answerers (for the programme report)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

TS = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("candidate_id", ID, nullable=True),
        sa.Column("thread_id", ID, nullable=True),
        sa.Column("made_at", TS, nullable=False),
        sa.Column("action", sa.String(8), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
    )
    op.create_index("ix_suggestions_person", "suggestions", ["person_id"])
    op.create_table(
        "mentorships",
        sa.Column("id", ID, primary_key=True),
        sa.Column("mentee_id", ID, nullable=False),
        sa.Column("mentor_id", ID, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("rating", sa.Integer, nullable=True),
    )
    op.create_table(
        "routings",
        sa.Column("thread_id", ID, primary_key=True),
        sa.Column("person_id", ID, primary_key=True),
        sa.Column("routed_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("routings")
    op.drop_table("mentorships")
    op.drop_index("ix_suggestions_person", table_name="suggestions")
    op.drop_table("suggestions")
