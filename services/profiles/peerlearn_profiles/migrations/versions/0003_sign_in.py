"""Sign-in codes and per-org OpenID Connect single sign-on."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "sign_in_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(40), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sign_in_codes_person", "sign_in_codes", ["person_id", "state"])
    op.create_table(
        "org_sso",
        sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("client_secret_sealed", sa.Text, nullable=False),
        sa.Column("allowed_domains", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("org_sso")
    op.drop_index("ix_sign_in_codes_person", "sign_in_codes")
    op.drop_table("sign_in_codes")
