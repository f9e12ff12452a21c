"""The matcher's read model, vectors, suggestions, feedback, exposures and processed events."""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def _id(name: str, **kw: Any) -> sa.Column:
    return sa.Column(name, sa.String(64), **kw)


def upgrade() -> None:
    op.create_table(
        "people",
        _id("id", primary_key=True),
        _id("org_id", nullable=False, index=True),
        sa.Column("profile", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "orgs",
        _id("id", primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
    )
    op.create_table(
        "cohorts",
        _id("id", primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        _id("owner_org_id", nullable=False),
        sa.Column("topic", sa.String(500), nullable=False, server_default=""),
    )
    op.create_table("cohort_orgs", _id("cohort_id", primary_key=True), _id("org_id", primary_key=True))
    op.create_table(
        "cohort_members",
        _id("cohort_id", primary_key=True),
        _id("person_id", primary_key=True, index=True),
        _id("org_id", nullable=False),
    )
    op.create_table(
        "threads",
        _id("id", primary_key=True),
        _id("space_id", nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        _id("org_id", nullable=True),
        _id("cohort_id", nullable=True),
        _id("author_id", nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("tags", sa.JSON, nullable=False),
        _id("accepted_post_id", nullable=True),
        _id("accepted_author_id", nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "posts",
        _id("id", primary_key=True),
        _id("thread_id", nullable=False, index=True),
        _id("author_id", nullable=False, index=True),
    )
    op.create_table(
        "vectors",
        _id("owner_id", primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.String(40), primary_key=True),
        _id("person_id", nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        _id("candidate_id", nullable=False, index=True),
        _id("thread_id", nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("reasons", sa.LargeBinary, nullable=False),
        sa.Column("features", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("suggestion_id", sa.String(40), primary_key=True),
        _id("person_id", nullable=False, index=True),
        _id("candidate_id", nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("features", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "exposures",
        _id("candidate_id", primary_key=True),
        _id("target_id", primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("week", sa.String(10), primary_key=True),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "processed_events",
        "exposures",
        "feedback",
        "suggestions",
        "vectors",
        "posts",
        "threads",
        "cohort_members",
        "cohort_orgs",
        "cohorts",
        "orgs",
        "people",
    ):
        op.drop_table(name)
