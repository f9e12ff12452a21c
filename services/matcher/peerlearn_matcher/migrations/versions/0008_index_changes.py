"""Matcher replicas: every change to the in-memory index is logged, in the transaction that
made it, so every other replica reloads what changed; one row whose update is the turn that
serialises the replicas' index changes."""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "index_changes",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    turn = op.create_table(
        "index_turn",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("turns", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(turn, [{"id": 1, "turns": 0}])


def downgrade() -> None:
    op.drop_table("index_turn")
    op.drop_table("index_changes")
