"""The outbox table (the same first migration in every service: peerlearn.outbox_migration)."""

from peerlearn.outbox_migration import downgrade, upgrade

__all__ = ["downgrade", "upgrade"]

revision = "0001"
down_revision = None
