"""Feedback remembers the question of an answerer suggestion ("not my area" declines that question)."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column("feedback", sa.Column("thread_id", sa.String(64), nullable=True))
    # Feedback given before this revision: its suggestion row (kept once answered) names the thread.
    op.execute(
        "UPDATE feedback SET thread_id = (SELECT suggestions.thread_id FROM suggestions"
        " WHERE suggestions.id = feedback.suggestion_id) WHERE kind = 'answerer'"
    )


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("thread_id")
