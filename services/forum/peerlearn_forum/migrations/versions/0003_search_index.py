"""The full-text index on search_docs: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL."""

from alembic import op

revision = "0003"
down_revision = "0002"

_SQLITE = [
    # External content: the text lives once, in search_docs; triggers keep the index in step.
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, content='search_docs', "
    "content_rowid='seq', tokenize='porter unicode61')",
    "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
    "INSERT INTO search_fts(rowid, title, body, tags) VALUES (new.seq, new.title, new.body, new.tags); END",
    "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, tags) "
    "VALUES ('delete', old.seq, old.title, old.body, old.tags); END",
    "CREATE TRIGGER search_docs_au AFTER UPDATE OF title, body, tags ON search_docs BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, tags) "
    "VALUES ('delete', old.seq, old.title, old.body, old.tags); "
    "INSERT INTO search_fts(rowid, title, body, tags) VALUES (new.seq, new.title, new.body, new.tags); END",
]

_POSTGRES = [
    "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(tags, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING GIN (tsv)",
]


def upgrade() -> None:
    statements = _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRES
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_search_docs_tsv")
        op.execute("ALTER TABLE search_docs DROP COLUMN tsv")
