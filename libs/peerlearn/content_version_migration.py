"""The content version's migration: one row that every write to the named tables bumps, in its
transaction (the key of :mod:`peerlearn.read_cache`).

Triggers bump it, so every writer counts (the use cases, the event handlers that keep a read
model, an erasure, another process of the service): a cache keyed by it is never stale after a
commit and no two versions share an entry. A service's migration names the tables whose rows a
reader is shown or that say who a caller is, and calls :func:`create_content_version`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

OPERATIONS = ("insert", "update", "delete")

# PostgreSQL's bump: once per transaction, however many rows it writes. The trigger runs per row
# (a constraint trigger must), and a CSV import of 5,000 people with their skills updated the one
# row some 20,000 times at its commit (import 245 -> 180 rows/s); a setting local to the
# transaction remembers it was bumped (a savepoint rolled back forgets both together).
BUMP_FUNCTION = (
    "CREATE OR REPLACE FUNCTION content_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF current_setting('peerlearn.content_version_bumped', true) = 'on' THEN RETURN NULL; END IF; "
    "PERFORM set_config('peerlearn.content_version_bumped', 'on', true); "
    "UPDATE content_version SET n = n + 1 WHERE id = 1; RETURN NULL; END $$"
)


def create_content_version(op: Any, tables: Sequence[str]) -> None:
    """Create the ``content_version`` row and the triggers of ``tables`` that bump it."""
    op.execute("CREATE TABLE content_version (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
    op.execute("INSERT INTO content_version (id, n) VALUES (1, 1)")
    if op.get_bind().dialect.name == "sqlite":
        for table in tables:
            for operation in OPERATIONS:
                op.execute(
                    f"CREATE TRIGGER content_version_{table}_{operation} AFTER {operation.upper()} "
                    f"ON {table} BEGIN UPDATE content_version SET n = n + 1 WHERE id = 1; END"
                )
        return
    op.execute(BUMP_FUNCTION)
    for table in tables:
        # Deferred to the commit, after every row lock the transaction takes: bumped at once, a
        # writer held the version row while it went on to lock a thread, and a writer holding
        # that thread then waited for the version row (the forum's answer posted while its
        # question is accepted deadlocked). A constraint trigger is per row; the bumps of one
        # transaction all fall on its one row lock, taken last.
        op.execute(
            f"CREATE CONSTRAINT TRIGGER content_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION content_version_bump()"
        )


def bump_once_per_transaction(op: Any) -> None:
    """Replace a bump function of before :data:`BUMP_FUNCTION` (a bump per row) on PostgreSQL."""
    if op.get_bind().dialect.name != "sqlite":
        op.execute(BUMP_FUNCTION)


def drop_content_version(op: Any, tables: Sequence[str]) -> None:
    """Drop what :func:`create_content_version` created for ``tables``."""
    if op.get_bind().dialect.name == "sqlite":
        for table in tables:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS content_version_{table}_{operation}")
    else:
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS content_version_bump ON {table}")
        op.execute("DROP FUNCTION IF EXISTS content_version_bump()")
    op.execute("DROP TABLE content_version")
