"""The routing model every replica routes with: trained by one replica, stored, loaded by all
(usecases.routing_training; issue 14's learned ranking, shared across issue 15's replicas)."""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "routing_models",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("routing_models")
