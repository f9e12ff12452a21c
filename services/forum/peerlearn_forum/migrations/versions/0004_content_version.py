"""The content version: one row every write to what a reader is shown bumps, in its transaction.

Triggers bump it, so every writer counts (the use cases, the event handlers that keep the
directory and the matcher's suggestions, an erasure, another forum process): a cache keyed by it
(``adapters.read_cache``) is never stale after a commit and is shared by no two versions."""

from alembic import op

revision = "0004"
down_revision = "0003"

# What a reader is shown, or who the caller is: spaces, threads, posts (scores and statuses
# too), tags, the directory (names, erasure, orgs, cohorts) and the matcher's suggestions.
# Votes change a post's or thread's score, so they bump through those rows.
TABLES = (
    "spaces",
    "threads",
    "thread_tags",
    "posts",
    "thread_suggestions",
    "people",
    "cohorts",
    "cohort_orgs",
    "cohort_members",
)
OPERATIONS = ("insert", "update", "delete")


def upgrade() -> None:
    op.execute("CREATE TABLE content_version (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
    op.execute("INSERT INTO content_version (id, n) VALUES (1, 1)")
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
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
    for table in TABLES:
        # Deferred to the commit, after every row lock the transaction takes: bumped at once, a
        # writer held the version row while it went on to lock a thread, and a writer holding
        # that thread then waited for the version row (an answer posted while its question is
        # accepted deadlocked). A constraint trigger is per row; the bumps of one transaction
        # all fall on its one row lock, taken last.
        op.execute(
            f"CREATE CONSTRAINT TRIGGER content_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION content_version_bump()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS content_version_{table}_{operation}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS content_version_bump ON {table}")
        op.execute("DROP FUNCTION IF EXISTS content_version_bump()")
    op.execute("DROP TABLE content_version")
