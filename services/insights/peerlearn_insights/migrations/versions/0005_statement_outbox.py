"""The statement outbox (each act's xAPI statement until its LRS holds it), and room for the
LRS password sealed."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "statement_outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("statement_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("verb", sa.String(20), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
    )
    op.create_index("ix_statement_outbox_person_id", "statement_outbox", ["person_id"])
    op.create_index("ix_statement_outbox_due", "statement_outbox", ["status", "next_attempt_at"])
    # A sealed password (Fernet) is longer than the 200 characters a password may have. A
    # password stored before sealing does not open: the sender says so and the admin sets it again.
    with op.batch_alter_table("org_lrs") as batch:
        batch.alter_column("password", type_=sa.Text, existing_type=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("org_lrs") as batch:
        batch.alter_column("password", type_=sa.String(200), existing_type=sa.Text, existing_nullable=False)
    op.drop_table("statement_outbox")
