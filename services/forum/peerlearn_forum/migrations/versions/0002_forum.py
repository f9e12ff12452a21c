"""Spaces, threads, posts, votes, flags, reputation, the people/cohort read model, search docs."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "spaces",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("org_id", sa.String(64), nullable=True),
        sa.Column("cohort_id", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("thread_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_spaces_org_id", "spaces", ["org_id"])
    op.create_index("ix_spaces_cohort_id", "spaces", ["cohort_id"])
    op.create_table(
        "threads",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("space_id", sa.String(40), sa.ForeignKey("spaces.id"), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("accepted_post_id", sa.String(40), nullable=True),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
        sa.Column("post_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("edited_at", TS, nullable=True),
        sa.Column("last_activity_at", TS, nullable=False),
    )
    op.create_index("ix_threads_space_activity", "threads", ["space_id", "last_activity_at"])
    op.create_index("ix_threads_space_created", "threads", ["space_id", "created_at"])
    op.create_table(
        "thread_tags",
        sa.Column(
            "thread_id", sa.String(40), sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("tag", sa.String(40), primary_key=True),
    )
    op.create_index("ix_thread_tags_tag", "thread_tags", ["tag"])
    op.create_table(
        "posts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "thread_id", sa.String(40), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("author_id", sa.String(64), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("score", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(10), nullable=False, server_default="visible"),
        sa.Column("flag_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("edited_at", TS, nullable=True),
    )
    op.create_index("ix_posts_thread_created", "posts", ["thread_id", "created_at"])
    op.create_index("ix_posts_status", "posts", ["status"])
    op.create_table(
        "votes",
        sa.Column("target_id", sa.String(40), primary_key=True),
        sa.Column("voter_id", sa.String(64), primary_key=True),
        sa.Column(
            "thread_id", sa.String(40), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("voted_at", TS, nullable=False),
    )
    op.create_index("ix_votes_voter", "votes", ["voter_id"])
    op.create_table(
        "flags",
        sa.Column("post_id", sa.String(40), sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("flagger_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_flags_flagger", "flags", ["flagger_id"])
    op.create_table(
        "reputation",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("points", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version_at", TS, nullable=False),
    )
    op.create_table(
        "cohorts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_org_id", sa.String(64), nullable=False),
    )
    op.create_table(
        "cohort_orgs",
        sa.Column("cohort_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
    )
    op.create_table(
        "cohort_members",
        sa.Column("cohort_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
    )
    op.create_index("ix_cohort_members_person", "cohort_members", ["person_id"])
    op.create_table(
        "thread_suggestions",
        sa.Column("thread_id", sa.String(40), primary_key=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("version_at", TS, nullable=False),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(40), primary_key=True),
        sa.Column("processed_at", TS, nullable=False),
    )
    op.create_table(
        "search_docs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(40), nullable=False, unique=True),
        sa.Column("thread_id", sa.String(40), nullable=False),
        sa.Column("space_id", sa.String(40), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("visible", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_index("ix_search_docs_thread_id", "search_docs", ["thread_id"])
    op.create_index("ix_search_docs_space_id", "search_docs", ["space_id"])


def downgrade() -> None:
    for table in (
        "search_docs",
        "processed_events",
        "thread_suggestions",
        "cohort_members",
        "cohort_orgs",
        "cohorts",
        "people",
        "reputation",
        "flags",
        "votes",
        "posts",
        "thread_tags",
        "threads",
        "spaces",
    ):
        op.drop_table(table)
