"""The matcher's SQL repository: its read model, vectors, suggestions, feedback and exposures.

SQLAlchemy Core; the same statements run on SQLite and PostgreSQL (upserts use each
dialect's ``ON CONFLICT``). Every function works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.events import PersonProfile, Reason
from peerlearn_matcher import models as m

_reasons = msgspec.json.Encoder()
_reasons_decoder = msgspec.json.Decoder(list[Reason])
_features_decoder = msgspec.json.Decoder(list[float])
_profile_decoder = msgspec.json.Decoder(PersonProfile)


def now() -> datetime:
    return datetime.now(UTC)


async def upsert(session: AsyncSession, table: sa.Table, values: dict[str, Any], keys: Sequence[str]) -> None:
    """Insert ``values`` or update the row with the same ``keys``."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).values(**values)
    rest = {k: v for k, v in values.items() if k not in keys}
    if rest:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=rest)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(statement)


# --- processed events -------------------------------------------------------------------


async def claim_event(session: AsyncSession, event_id: str) -> bool:
    """Mark ``event_id`` processed in this transaction; False when it already was."""
    seen = await session.scalar(
        sa.select(m.processed_events.c.event_id).where(m.processed_events.c.event_id == event_id)
    )
    if seen is not None:
        return False
    await session.execute(sa.insert(m.processed_events).values(event_id=event_id, processed_at=now()))
    return True


# --- people, orgs, cohorts --------------------------------------------------------------


async def person_updated_at(session: AsyncSession, person_id: str) -> datetime | None:
    value = await session.scalar(sa.select(m.people.c.updated_at).where(m.people.c.id == person_id))
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


async def put_person(session: AsyncSession, profile: PersonProfile, at: datetime) -> None:
    await upsert(
        session,
        m.people,
        {
            "id": profile.id,
            "org_id": profile.org_id,
            "profile": msgspec.json.encode(profile),
            "updated_at": at,
        },
        ["id"],
    )


async def set_memberships(
    session: AsyncSession, person_id: str, org_id: str, cohort_ids: Iterable[str]
) -> None:
    """Make ``person_id``'s cohort memberships exactly ``cohort_ids`` (the profile says so)."""
    await session.execute(sa.delete(m.cohort_members).where(m.cohort_members.c.person_id == person_id))
    for cohort_id in dict.fromkeys(cohort_ids):
        await session.execute(
            sa.insert(m.cohort_members).values(cohort_id=cohort_id, person_id=person_id, org_id=org_id)
        )


async def set_member(
    session: AsyncSession, cohort_id: str, person_id: str, org_id: str, member: bool
) -> None:
    if member:
        await upsert(
            session,
            m.cohort_members,
            {"cohort_id": cohort_id, "person_id": person_id, "org_id": org_id},
            ["cohort_id", "person_id"],
        )
    else:
        await session.execute(
            sa.delete(m.cohort_members).where(
                m.cohort_members.c.cohort_id == cohort_id, m.cohort_members.c.person_id == person_id
            )
        )


async def delete_person(session: AsyncSession, person_id: str) -> None:
    """Erase a person: profile, vectors, memberships, suggestions and feedback for or about them."""
    await session.execute(sa.delete(m.people).where(m.people.c.id == person_id))
    await session.execute(sa.delete(m.vectors).where(m.vectors.c.owner_id == person_id))
    await session.execute(sa.delete(m.cohort_members).where(m.cohort_members.c.person_id == person_id))
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
    await upsert(session, m.orgs, {"id": org_id, "name": name, "kind": kind}, ["id"])


async def put_cohort(session: AsyncSession, cohort_id: str, name: str, owner_org_id: str, topic: str) -> None:
    await upsert(
        session,
        m.cohorts,
        {"id": cohort_id, "name": name, "owner_org_id": owner_org_id, "topic": topic},
        ["id"],
    )


async def set_cohort_org(session: AsyncSession, cohort_id: str, org_id: str, member: bool) -> None:
    if member:
        await upsert(
            session, m.cohort_orgs, {"cohort_id": cohort_id, "org_id": org_id}, ["cohort_id", "org_id"]
        )
    else:
        await session.execute(
            sa.delete(m.cohort_orgs).where(
                m.cohort_orgs.c.cohort_id == cohort_id, m.cohort_orgs.c.org_id == org_id
            )
        )


# --- vectors ----------------------------------------------------------------------------


async def put_vector(session: AsyncSession, owner_id: str, kind: str, model: str, vector: np.ndarray) -> None:
    data = np.asarray(vector, dtype=np.float32).tobytes()
    await upsert(
        session,
        m.vectors,
        {"owner_id": owner_id, "kind": kind, "model": model, "data": data},
        ["owner_id", "kind"],
    )


def vector_of(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32).copy()


# --- threads and posts ------------------------------------------------------------------


async def put_thread(session: AsyncSession, values: dict[str, Any]) -> None:
    await upsert(session, m.threads, values, ["id"])


async def set_accepted(session: AsyncSession, thread_id: str, post_id: str, author_id: str) -> None:
    await session.execute(
        sa.update(m.threads)
        .where(m.threads.c.id == thread_id)
        .values(accepted_post_id=post_id, accepted_author_id=author_id)
    )


async def delete_thread(session: AsyncSession, thread_id: str) -> None:
    await session.execute(sa.delete(m.threads).where(m.threads.c.id == thread_id))
    await session.execute(sa.delete(m.posts).where(m.posts.c.thread_id == thread_id))
    await session.execute(
        sa.delete(m.vectors).where(m.vectors.c.owner_id == thread_id, m.vectors.c.kind == "thread")
    )
    await session.execute(sa.delete(m.suggestions).where(m.suggestions.c.thread_id == thread_id))


async def put_post(session: AsyncSession, post_id: str, thread_id: str, author_id: str) -> None:
    await upsert(session, m.posts, {"id": post_id, "thread_id": thread_id, "author_id": author_id}, ["id"])


async def delete_post(session: AsyncSession, post_id: str) -> None:
    await session.execute(sa.delete(m.posts).where(m.posts.c.id == post_id))


# --- suggestions, feedback, exposures ---------------------------------------------------


class StoredSuggestion(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    person_id: str
    kind: str
    candidate_id: str
    thread_id: str | None
    score: float
    rank: int
    reasons: list[Reason]
    features: list[float]
    status: str
    created_at: datetime


def _suggestion(row: Any) -> StoredSuggestion:
    return StoredSuggestion(
        id=row.id,
        person_id=row.person_id,
        kind=row.kind,
        candidate_id=row.candidate_id,
        thread_id=row.thread_id,
        score=row.score,
        rank=row.rank,
        reasons=_reasons_decoder.decode(row.reasons),
        features=_features_decoder.decode(row.features),
        status=row.status,
        created_at=row.created_at,
    )


async def replace_open(
    session: AsyncSession,
    person_id: str,
    rows: Sequence[dict[str, Any]],
    *,
    kinds: Sequence[str] = (),
    thread_id: str | None = None,
) -> None:
    """Replace the open suggestions of ``person_id`` of ``kinds`` (or of answerer kind on one thread).

    A suggestion the person already answered (accepted/declined) stays as it is; a new open one
    for the same candidate keeps the old id so feedback links stay valid.
    """
    table = m.suggestions
    scope = [table.c.person_id == person_id, table.c.status == "open"]
    if thread_id is not None:
        scope.append(table.c.thread_id == thread_id)
    else:
        scope.append(table.c.kind.in_(list(kinds)))
    old = (
        await session.execute(
            sa.select(table.c.id, table.c.kind, table.c.candidate_id, table.c.thread_id).where(*scope)
        )
    ).all()
    ids = {(r.kind, r.candidate_id, r.thread_id): r.id for r in old}
    await session.execute(sa.delete(table).where(*scope))
    values = []
    for row in rows:
        key = (row["kind"], row["candidate_id"], row.get("thread_id"))
        values.append(
            {
                **row,
                "id": ids.get(key, row["id"]),
                "person_id": person_id,
                "status": "open",
                "reasons": _reasons.encode(row["reasons"]),
                "features": _reasons.encode(list(row["features"])),
            }
        )
    if values:
        await session.execute(sa.insert(table), values)  # one executemany


async def open_suggestions(
    session: AsyncSession, person_id: str, kind: str | None = None, *, offset: int = 0, limit: int = 1000
) -> list[StoredSuggestion]:
    table = m.suggestions
    query = sa.select(table).where(table.c.person_id == person_id, table.c.status == "open")
    if kind is not None:
        query = query.where(table.c.kind == kind)
    query = query.order_by(table.c.kind, table.c.rank, table.c.id).offset(offset).limit(limit)
    return [_suggestion(r) for r in (await session.execute(query)).all()]


async def people_suggested(session: AsyncSession, candidate_id: str) -> list[str]:
    """People whose open suggestions name ``candidate_id``."""
    table = m.suggestions
    rows = await session.execute(
        sa.select(table.c.person_id)
        .where(table.c.candidate_id == candidate_id, table.c.status == "open")
        .distinct()
    )
    return [r[0] for r in rows]


async def get_suggestion(session: AsyncSession, suggestion_id: str) -> StoredSuggestion | None:
    row = (await session.execute(sa.select(m.suggestions).where(m.suggestions.c.id == suggestion_id))).first()
    return None if row is None else _suggestion(row)


async def set_status(session: AsyncSession, suggestion_id: str, status: str) -> None:
    await session.execute(
        sa.update(m.suggestions).where(m.suggestions.c.id == suggestion_id).values(status=status)
    )


async def put_feedback(
    session: AsyncSession, suggestion: StoredSuggestion, action: str, rating: int | None
) -> None:
    await upsert(
        session,
        m.feedback,
        {
            "suggestion_id": suggestion.id,
            "person_id": suggestion.person_id,
            "candidate_id": suggestion.candidate_id,
            "kind": suggestion.kind,
            "action": action,
            "rating": rating,
            "features": _reasons.encode(suggestion.features),
            "created_at": now(),
        },
        ["suggestion_id"],
    )


async def training_data(session: AsyncSession) -> tuple[list[list[float]], list[int]]:
    rows = (await session.execute(sa.select(m.feedback.c.features, m.feedback.c.action))).all()
    return [_features_decoder.decode(r.features) for r in rows], [
        1 if r.action == "accept" else 0 for r in rows
    ]


async def add_exposures(
    session: AsyncSession, kind: str, target_id: str, candidates: Iterable[str], week: str
) -> None:
    values = [{"candidate_id": c, "target_id": target_id, "kind": kind, "week": week} for c in candidates]
    if not values:
        return
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(m.exposures).on_conflict_do_nothing(
        index_elements=["candidate_id", "target_id", "kind", "week"]
    )
    await session.execute(statement, values)


async def clear_read_model(session: AsyncSession) -> None:
    """Empty every table that the streams rebuild (``peerlearn matcher rebuild``)."""
    for table in (
        m.people,
        m.orgs,
        m.cohorts,
        m.cohort_orgs,
        m.cohort_members,
        m.threads,
        m.posts,
        m.vectors,
        m.suggestions,
        m.feedback,
        m.exposures,
        m.processed_events,
    ):
        await session.execute(sa.delete(table))
