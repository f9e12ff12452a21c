"""Follow-through: a question with no answer is routed again (at most twice), so the matcher
remembers per question how many times it was and when it last was."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "routing_rounds",
        sa.Column("thread_id", sa.String(64), primary_key=True),
        sa.Column("rounds", sa.Integer, nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_routing_rounds_routed_at", "routing_rounds", ["routed_at"])


def downgrade() -> None:
    op.drop_index("ix_routing_rounds_routed_at", "routing_rounds")
    op.drop_table("routing_rounds")
