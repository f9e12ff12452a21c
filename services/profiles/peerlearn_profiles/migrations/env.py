"""Alembic environment of the profiles service (run through peerlearn.store.Database.migrate)."""

from peerlearn.store import run_migrations_in_env
from peerlearn_profiles.adapters.models import metadata

run_migrations_in_env(metadata)
