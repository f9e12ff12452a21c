"""The forum's store: SQLAlchemy Core tables (:mod:`.tables`) and the queries on them, one module
per thing kept (spaces, threads, posts, votes, reputation, search, suggestions, erasure)."""
