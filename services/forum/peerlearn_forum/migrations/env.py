"""Alembic environment of the forum service (run through peerlearn.store.Database.migrate)."""

from peerlearn.store import run_migrations_in_env
from peerlearn_forum.adapters.store.tables import metadata

run_migrations_in_env(metadata)
