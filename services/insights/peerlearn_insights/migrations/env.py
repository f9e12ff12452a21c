"""Alembic environment of the insights service (run through peerlearn.store.Database.migrate)."""

from peerlearn.store import run_migrations_in_env
from peerlearn_insights.adapters.tables import metadata

run_migrations_in_env(metadata)
