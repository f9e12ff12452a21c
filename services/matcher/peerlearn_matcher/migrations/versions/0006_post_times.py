"""Posts and acceptances keep their times: what the learned answer routing's features need.

``posts.created_at`` is when the answer (or any post) was written and ``threads.accepted_at`` when
its asker accepted one, both the forum event's ``occurred_at``: recency, days since the last answer
and the typical response delay are computed from them. Rows stored before this revision keep NULL
(their times were never recorded); ``peerlearn matcher rebuild`` replays the streams and fills them."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("posts", sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("threads", sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("threads") as batch:
        batch.drop_column("accepted_at")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("created_at")
