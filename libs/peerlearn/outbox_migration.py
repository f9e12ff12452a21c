"""Every service's first migration: its outbox table.

Each service keeps a ``versions/0001_outbox.py`` of its own (Alembic reads revision identifiers
per file) that re-exports :func:`upgrade` and :func:`downgrade`, so the table is defined once,
beside :func:`peerlearn.outbox.outbox_table`.
"""

from __future__ import annotations

from alembic import op

from peerlearn.outbox import create_outbox_table


def upgrade() -> None:
    """Create the ``outbox`` table."""
    create_outbox_table(op)


def downgrade() -> None:
    """Drop the ``outbox`` table."""
    op.drop_table("outbox")
