"""The webhook tables, on notify's one metadata: the org's webhooks, the org's questions (the
read model the unanswered check needs), the delivery outbox and each attempt."""

from __future__ import annotations

import sqlalchemy as sa

from peerlearn.store import UTCDateTime
from peerlearn_notify.adapters.tables import metadata

TS = UTCDateTime

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("unanswered_after_hours", sa.Integer, nullable=True),
    # Only json webhooks have one; shown once, at creation.
    sa.Column("secret", sa.String(100), nullable=True),
    sa.Column("created_by", sa.String(64), nullable=True),
    sa.Column("created_at", TS, nullable=False),
    # Failed attempts in a row (any delivery); reset by a success; at the limit it is disabled.
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("disabled_at", TS, nullable=True),
    sa.Column("disabled_reason", sa.Text, nullable=True),
    sa.Index("ix_webhooks_org", "org_id"),
)
# Questions in org-wide spaces (domain.webhooks.org_wide), for question_unanswered.
org_questions = sa.Table(
    "org_questions",
    metadata,
    sa.Column("thread_id", sa.String(64), primary_key=True),
    sa.Column("org_id", sa.String(64), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=True),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("answered", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_org_questions_open", "answered", "org_id", "created_at"),
)
# A delivery is a row first, written in the transaction that processed its event (or that
# found the question unanswered), then posted by the sender; one per (webhook, event key).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("webhook_id", sa.String(40), nullable=False),
    sa.Column("event", sa.String(40), nullable=False),
    sa.Column("event_key", sa.String(120), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TS, nullable=False),
    sa.Column("delivered_at", TS, nullable=True),
    sa.Column("failed_at", TS, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.UniqueConstraint("webhook_id", "event_key", name="uq_webhook_deliveries_event"),
    sa.Index("ix_webhook_deliveries_due", "delivered_at", "failed_at", "next_attempt_at"),
)
webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("delivery_id", sa.String(40), primary_key=True),
    sa.Column("attempt", sa.Integer, primary_key=True),
    sa.Column("webhook_id", sa.String(40), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)
