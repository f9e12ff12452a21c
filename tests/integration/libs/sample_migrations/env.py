"""Alembic environment of the sample schema the foundation tests migrate."""

import sqlalchemy as sa

from peerlearn.outbox import outbox_table
from peerlearn.store import run_migrations_in_env

metadata = sa.MetaData()
outbox_table(metadata)
run_migrations_in_env(metadata)
