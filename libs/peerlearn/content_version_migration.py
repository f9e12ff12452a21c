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
    op.execute(
        "CREATE FUNCTION content_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE content_version SET n = n + 1 WHERE id = 1; RETURN NULL; END $$"
    )
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
