"""The matcher's SQL repository of its matching data: profiles, orgs, threads, posts and vectors.

SQLAlchemy Core; the same statements run on SQLite and PostgreSQL (upserts use each
dialect's ``ON CONFLICT``). Every function works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.events import PersonProfile
from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.domain.threads import ThreadRecord

_profile_decoder = msgspec.json.Decoder(PersonProfile)


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def columns(row: Any) -> dict[str, Any]:
    """A row's values by column name (plain ``str`` keys, as :func:`msgspec.convert` wants them)."""
    return {str(name): value for name, value in row._mapping.items()}


def insert_into(session: AsyncSession, table: sa.Table) -> Any:
    """An INSERT into ``table`` in the session's dialect, so it can take ``on_conflict_*``."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


async def upsert(session: AsyncSession, table: sa.Table, values: dict[str, Any], keys: Sequence[str]) -> None:
    """Insert ``values`` or update the row with the same ``keys``."""
    statement = insert_into(session, table).values(**values)
    rest = {k: v for k, v in values.items() if k not in keys}
    if rest:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=rest)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(statement)


# --- profiles and orgs --------------------------------------------------------------


async def put_profile(session: AsyncSession, profile: PersonProfile, at: datetime) -> None:
    """Store a person's full profile (their matching data) as of ``at``."""
    await upsert(
        session,
        m.profiles,
        {
            "id": profile.id,
            "org_id": profile.org_id,
            "profile": msgspec.json.encode(profile),
            "updated_at": at,
        },
        ["id"],
    )


async def erase_matching_data(session: AsyncSession, person_id: str) -> None:
    """Erase a person's matching data: profile, vectors, posts, suggestions and feedback for or about them."""
    await session.execute(sa.delete(m.profiles).where(m.profiles.c.id == person_id))
    await session.execute(sa.delete(m.vectors).where(m.vectors.c.owner_id == person_id))
    for table in (m.suggestions, m.feedback):
        await session.execute(
            sa.delete(table).where(sa.or_(table.c.person_id == person_id, table.c.candidate_id == person_id))
        )
    await session.execute(
        sa.delete(m.exposures).where(
            sa.or_(m.exposures.c.candidate_id == person_id, m.exposures.c.target_id == person_id)
        )
    )
    await session.execute(sa.delete(m.posts).where(m.posts.c.author_id == person_id))
    await session.execute(
        sa.update(m.threads)
        .where(m.threads.c.accepted_author_id == person_id)
        .values(accepted_author_id=None)
    )


async def put_org(session: AsyncSession, org_id: str, name: str, kind: str) -> None:
    """Remember an organisation."""
    await upsert(session, m.orgs, {"id": org_id, "name": name, "kind": kind}, ["id"])


# --- vectors ----------------------------------------------------------------------------


async def put_vector(session: AsyncSession, owner_id: str, kind: str, model: str, vector: np.ndarray) -> None:
    """Store a vector with the model that made it (a model change re-embeds at start)."""
    data = np.asarray(vector, dtype=np.float32).tobytes()
    await upsert(
        session,
        m.vectors,
        {"owner_id": owner_id, "kind": kind, "model": model, "data": data},
        ["owner_id", "kind"],
    )


def vector_of(data: bytes) -> np.ndarray:
    """A stored vector as an array."""
    return np.frombuffer(data, dtype=np.float32).copy()


# --- threads and posts ------------------------------------------------------------------


async def put_thread(session: AsyncSession, thread: ThreadRecord, created_at: datetime | None) -> None:
    """Store a thread as :meth:`ThreadRecord.row` describes it."""
    await upsert(session, m.threads, thread.row(created_at), ["id"])


async def set_accepted(
    session: AsyncSession, thread_id: str, post_id: str, author_id: str, accepted_at: datetime
) -> None:
    """Record the thread's accepted answer, its author and when it was accepted."""
    await session.execute(
        sa.update(m.threads)
        .where(m.threads.c.id == thread_id)
        .values(accepted_post_id=post_id, accepted_author_id=author_id, accepted_at=accepted_at)
    )


async def delete_thread(session: AsyncSession, thread_id: str) -> None:
    await session.execute(sa.delete(m.threads).where(m.threads.c.id == thread_id))
    await session.execute(sa.delete(m.posts).where(m.posts.c.thread_id == thread_id))
    await session.execute(
        sa.delete(m.vectors).where(m.vectors.c.owner_id == thread_id, m.vectors.c.kind == "thread")
    )
    await session.execute(sa.delete(m.suggestions).where(m.suggestions.c.thread_id == thread_id))
    await session.execute(sa.delete(m.routing_rounds).where(m.routing_rounds.c.thread_id == thread_id))


async def put_post(
    session: AsyncSession, post_id: str, thread_id: str, author_id: str, created_at: datetime | None = None
) -> None:
    """Store a post; without ``created_at`` (an acceptance naming it) a time already stored is kept."""
    values: dict[str, Any] = {"id": post_id, "thread_id": thread_id, "author_id": author_id}
    if created_at is not None:
        values["created_at"] = created_at
    await upsert(session, m.posts, values, ["id"])


async def delete_post(session: AsyncSession, post_id: str) -> None:
    await session.execute(sa.delete(m.posts).where(m.posts.c.id == post_id))


async def clear_read_model(session: AsyncSession) -> None:
    """Empty every table that the streams rebuild (``peerlearn matcher rebuild``)."""
    for table in (
        m.profiles,
        m.orgs,
        m.directory.people,
        m.directory.cohorts,
        m.directory.cohort_orgs,
        m.directory.cohort_members,
        m.threads,
        m.posts,
        m.vectors,
        m.suggestions,
        m.feedback,
        m.exposures,
        m.processed_events,
        m.routing_models,  # trained again from the rebuilt history
        m.refresh_backlog,  # the rebuild refreshes everyone
    ):
        await session.execute(sa.delete(table))


async def active_members(session: AsyncSession, cohort_id: str) -> set[str]:
    """The people in ``cohort_id`` now, as the directory has them."""
    members = m.directory.cohort_members
    found = await session.scalars(
        sa.select(members.c.person_id).where(members.c.cohort_id == cohort_id, members.c.active.is_(True))
    )
    return set(found)


def _aware(at: datetime | None) -> datetime | None:
    # SQLite hands back naive times for timezone=True columns: they were written in UTC.
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)


async def forum_times(
    session: AsyncSession,
) -> tuple[dict[str, datetime], dict[str, datetime], dict[str, datetime]]:
    """When each thread was asked, each post written and each thread's answer accepted (rows
    stored before migration 0006 have no time and are left out)."""
    asked: dict[str, datetime] = {}
    accepted: dict[str, datetime] = {}
    threads = sa.select(m.threads.c.id, m.threads.c.created_at, m.threads.c.accepted_at)
    for row in (await session.execute(threads)).all():
        if (created := _aware(row.created_at)) is not None:
            asked[row.id] = created
        if (at := _aware(row.accepted_at)) is not None:
            accepted[row.id] = at
    written: dict[str, datetime] = {}
    for post in (await session.execute(sa.select(m.posts.c.id, m.posts.c.created_at))).all():
        if (created := _aware(post.created_at)) is not None:
            written[post.id] = created
    return asked, written, accepted


async def routing_labels(
    session: AsyncSession,
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, str, datetime]]]:
    """Who each question was routed to (its answerer suggestions, and the exposures that outlive
    a re-route), and each "not my area" (person, question, when), oldest first."""
    routed: dict[str, set[str]] = {}
    suggestions = sa.select(m.suggestions.c.thread_id, m.suggestions.c.person_id).where(
        m.suggestions.c.kind == "answerer"
    )
    exposures = sa.select(m.exposures.c.target_id, m.exposures.c.candidate_id).where(
        m.exposures.c.kind == "answerer"
    )
    for statement in (suggestions, exposures):
        for thread_id, person_id in (await session.execute(statement)).all():
            if thread_id:
                routed.setdefault(thread_id, set()).add(person_id)
    declines: list[tuple[str, str, datetime]] = []
    feedback = m.feedback.c
    statement = (
        sa.select(feedback.person_id, feedback.thread_id, feedback.created_at)
        .where(feedback.kind == "answerer", feedback.action == "decline", feedback.thread_id.is_not(None))
        .order_by(feedback.created_at, feedback.suggestion_id)
    )
    for row in (await session.execute(statement)).all():
        if (at := _aware(row.created_at)) is not None:
            declines.append((row.person_id, row.thread_id, at))
    return {thread: tuple(sorted(people)) for thread, people in routed.items()}, declines


async def stored_forum(
    session: AsyncSession,
) -> tuple[list[ThreadRecord], dict[str, tuple[str, str]], dict[str, np.ndarray]]:
    """The stored threads (with their vectors), posts (post -> (thread, author), oldest first)
    and offer vectors: the forum as the matcher's database holds it, for commands that read it
    without starting the matcher."""
    vectors = {
        (r.owner_id, r.kind): vector_of(r.data)
        for r in (await session.execute(sa.select(m.vectors))).all()
        if r.kind in ("thread", "offer")
    }
    threads = []
    for row in (await session.execute(sa.select(m.threads))).all():
        record = ThreadRecord.from_row(row)
        record.vector = vectors.get((row.id, "thread"))
        threads.append(record)
    ordered = sa.select(m.posts.c.id, m.posts.c.thread_id, m.posts.c.author_id).order_by(
        m.posts.c.created_at, m.posts.c.id
    )
    posts = {r.id: (r.thread_id, r.author_id) for r in (await session.execute(ordered)).all()}
    offers = {owner: v for (owner, kind), v in vectors.items() if kind == "offer"}
    return threads, posts, offers
