"""The profiles service's tables: orgs, people and their skills, cohorts and who is in them."""

from __future__ import annotations

import sqlalchemy as sa

from peerlearn.outbox import outbox_table
from peerlearn.store import UTCDateTime

metadata = sa.MetaData()
outbox = outbox_table(metadata)

orgs = sa.Table(
    "orgs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    # The casefolded email: identity within the org (unique), the shown one keeps its case.
    sa.Column("email_key", sa.String(254), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("bio", sa.Text, nullable=False, default=""),
    sa.Column("goal", sa.String(300), nullable=False, default=""),
    sa.Column("timezone", sa.String(64), nullable=False, default="UTC"),
    sa.Column("weekly_hours", sa.Float, nullable=False, default=0.0),
    sa.Column("mentor_capacity", sa.Integer, nullable=False, default=0),
    sa.Column("open_to_external", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("org_id", "email_key", name="uq_people_org_email"),
)

skills = sa.Table(
    "skills",
    metadata,
    sa.Column("person_id", sa.String(40), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name_key", sa.String(60), primary_key=True),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("wants", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("owner_org_id", sa.String(40), sa.ForeignKey("orgs.id"), nullable=False),
    sa.Column("topic", sa.String(300), nullable=False, default=""),
    sa.Column("starts_on", sa.Date, nullable=True),
    sa.Column("ends_on", sa.Date, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# An org's standing in a cohort: invited (pending), member, declined or left.
cohort_orgs = sa.Table(
    "cohort_orgs",
    metadata,
    sa.Column("cohort_id", sa.String(40), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id"), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

cohort_members = sa.Table(
    "cohort_members",
    metadata,
    sa.Column("cohort_id", sa.String(40), sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", sa.String(40), sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("org_id", sa.String(40), nullable=False, index=True),
    sa.Column("added_at", UTCDateTime, nullable=False),
)

# Listing an org's people walks (org_id, id) in id order: cursor pagination.
sa.Index("ix_people_org_id", people.c.org_id, people.c.id)

# Sign-in codes: only the sha256 of the code is kept. ``state``: open, used or replaced (a newer
# code of the same person supersedes it); erasing the person removes their codes.
sign_in_codes = sa.Table(
    "sign_in_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(40), sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
    sa.Index("ix_sign_in_codes_person", "person_id", "state"),
)

# An org's OpenID Connect single sign-on; the client secret is kept sealed (Fernet).
org_sso = sa.Table(
    "org_sso",
    metadata,
    sa.Column("org_id", sa.String(40), sa.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("issuer", sa.String(500), nullable=False),
    sa.Column("client_id", sa.String(200), nullable=False),
    sa.Column("client_secret_sealed", sa.Text, nullable=False),
    sa.Column("allowed_domains", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# One row: bumped by triggers (migration 0004) in every transaction that changes what a profile
# shows or who a caller is; the read cache's key (``peerlearn.read_cache``).
content_version = sa.Table(
    "content_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)
