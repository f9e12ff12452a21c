"""The library's directory replaces the matcher's own people, cohorts and memberships.

The matcher's ``people`` (the full profile) becomes ``profiles``, its matching data; the
directory's ``people`` (id, org, display name, roles, erasure tombstone) is filled from those
profiles. ``cohorts`` loses the unused ``topic``; ``cohort_orgs`` and ``cohort_members`` gain the
directory's ``active`` and ``changed_at`` (every row kept is active, as of the epoch, so any
real event about it wins under last-writer-wins). Nothing is lost that the streams hold:
``peerlearn matcher rebuild`` refills every table from them. Batch mode for SQLite."""

from datetime import UTC, datetime

import msgspec
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TS = sa.DateTime(timezone=True)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Identity(msgspec.Struct):
    # The part of a stored profile the directory keeps; other fields are ignored.
    display_name: str = ""
    roles: list[str] = []


def _add_lww_columns(name: str) -> None:
    with op.batch_alter_table(name) as batch:
        batch.add_column(sa.Column("active", sa.Boolean, nullable=True))
        batch.add_column(sa.Column("changed_at", TS, nullable=True))
    table = sa.table(name, sa.column("active", sa.Boolean), sa.column("changed_at", TS))
    op.execute(table.update().values(active=True, changed_at=EPOCH))
    with op.batch_alter_table(name) as batch:
        batch.alter_column("active", existing_type=sa.Boolean, nullable=False)
        batch.alter_column("changed_at", existing_type=TS, nullable=False)


def upgrade() -> None:
    op.drop_index("ix_people_org_id", table_name="people")
    op.rename_table("people", "profiles")
    op.create_index("ix_profiles_org_id", "profiles", ["org_id"])
    people = op.create_table(
        "people",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("org_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version_at", TS, nullable=False),
    )
    assert people is not None
    profiles = sa.table(
        "profiles",
        sa.column("id", sa.String),
        sa.column("org_id", sa.String),
        sa.column("profile", sa.LargeBinary),
        sa.column("updated_at", TS),
    )
    decode = msgspec.json.Decoder(_Identity).decode
    rows = op.get_bind().execute(sa.select(profiles)).all()
    if rows:
        op.bulk_insert(
            people,
            [
                {
                    "id": row.id,
                    "org_id": row.org_id,
                    "display_name": identity.display_name[:200],
                    "roles": identity.roles,
                    "erased": False,
                    "version_at": row.updated_at,
                }
                for row in rows
                for identity in [decode(row.profile)]
            ],
        )
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("topic")
    _add_lww_columns("cohort_orgs")
    op.drop_index("ix_cohort_members_person_id", table_name="cohort_members")
    _add_lww_columns("cohort_members")
    op.create_index("ix_cohort_members_person", "cohort_members", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_cohort_members_person", table_name="cohort_members")
    for name in ("cohort_members", "cohort_orgs"):
        table = sa.table(name, sa.column("active", sa.Boolean))
        op.execute(table.delete().where(table.c.active.is_(False)))
        with op.batch_alter_table(name) as batch:
            batch.drop_column("changed_at")
            batch.drop_column("active")
    op.create_index("ix_cohort_members_person_id", "cohort_members", ["person_id"])
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("topic", sa.String(500), nullable=False, server_default=""))
    op.drop_table("people")
    op.drop_index("ix_profiles_org_id", table_name="profiles")
    op.rename_table("profiles", "people")
    op.create_index("ix_people_org_id", "people", ["org_id"])
