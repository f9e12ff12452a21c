"""The matcher's SQL repository of what it decided: suggestions, feedback and weekly exposures.

SQLAlchemy Core, the same statements on SQLite and PostgreSQL; every function works inside
the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.events import Reason, SuggestionFeedback
from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.adapters.store import columns, insert_into, now, upsert

_json = msgspec.json.Encoder()
_reasons_decoder = msgspec.json.Decoder(list[Reason])
_features_decoder = msgspec.json.Decoder(list[float])


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
    """A stored row, its JSON columns decoded."""
    return msgspec.convert(
        {
            **columns(row),
            "reasons": _reasons_decoder.decode(row.reasons),
            "features": _features_decoder.decode(row.features),
        },
        StoredSuggestion,
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
                "reasons": _json.encode(row["reasons"]),
                "features": _json.encode(list(row["features"])),
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
            "features": _json.encode(suggestion.features),
            "created_at": now(),
            "thread_id": suggestion.thread_id,
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
    statement = insert_into(session, m.exposures).on_conflict_do_nothing(
        index_elements=["candidate_id", "target_id", "kind", "week"]
    )
    await session.execute(statement, values)


async def routed_threads(session: AsyncSession, person_id: str) -> set[str]:
    """Threads whose open answerer suggestions name ``person_id`` as the answerer."""
    table = m.suggestions
    found = await session.scalars(
        sa.select(table.c.thread_id).where(
            table.c.person_id == person_id, table.c.kind == "answerer", table.c.status == "open"
        )
    )
    return {thread_id for thread_id in found if thread_id}


async def people_on_thread(session: AsyncSession, thread_id: str) -> set[str]:
    """Everyone with a suggestion about ``thread_id``."""
    table = m.suggestions
    return set(await session.scalars(sa.select(table.c.person_id).where(table.c.thread_id == thread_id)))


async def replace_answerers(
    session: AsyncSession, thread_id: str, rows: Sequence[dict[str, Any]]
) -> set[str]:
    """Make ``rows`` the open answerer suggestions of ``thread_id``; return who had one before.

    Someone who declined the question ("not my area") is never given it again, whatever a
    re-route ranked (the engine already leaves them out; this keeps the store's word too).
    """
    table = m.suggestions
    scope = [table.c.thread_id == thread_id, table.c.kind == "answerer", table.c.status == "open"]
    old = set(await session.scalars(sa.select(table.c.person_id).where(*scope)))
    declined = set(
        await session.scalars(
            sa.select(table.c.person_id).where(
                table.c.thread_id == thread_id, table.c.kind == "answerer", table.c.status == "declined"
            )
        )
    )
    rows = [row for row in rows if row["person_id"] not in declined]
    await session.execute(sa.delete(table).where(*scope))
    values = [
        {
            **row,
            "thread_id": thread_id,
            "kind": "answerer",
            "status": "open",
            "reasons": _json.encode(row["reasons"]),
            "features": _json.encode(list(row["features"])),
        }
        for row in rows
    ]
    if values:
        await session.execute(sa.insert(table), values)
    return old


async def restore_feedback(session: AsyncSession, given: SuggestionFeedback, at: datetime) -> None:
    """Store a piece of feedback as its event recorded it, at the event's time (a rebuild replays them)."""
    await upsert(
        session,
        m.feedback,
        {
            **msgspec.structs.asdict(given),
            "features": _json.encode(given.features),
            "created_at": at,
        },
        ["suggestion_id"],
    )
