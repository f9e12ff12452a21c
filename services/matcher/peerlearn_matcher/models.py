"""The matcher service's tables."""

from __future__ import annotations

import sqlalchemy as sa

from peerlearn.outbox import outbox_table

metadata = sa.MetaData()
outbox = outbox_table(metadata)
