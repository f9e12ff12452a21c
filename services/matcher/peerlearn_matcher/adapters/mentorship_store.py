"""The matcher's SQL repository of mentorships and their sessions (same statements on both engines).

Every function works inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.events import Reason
from peerlearn.events.matcher import ProposedTime
from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.adapters.store import columns
from peerlearn_matcher.domain.mentorships import HOLDING, Parties

_json = msgspec.json.Encoder()
_reasons = msgspec.json.Decoder(list[Reason])
_times = msgspec.json.Decoder(list[ProposedTime])


@dataclass(frozen=True)
class StoredSession:
    id: str
    at: datetime
    minutes: int
    notes: str
    topics: list[str]
    logged_by: str
    created_at: datetime


@dataclass(frozen=True)
class StoredMentorship:
    id: str
    parties: Parties
    kind: str
    suggestion_id: str
    status: str
    goal: str
    reasons: list[Reason]
    proposed_times: list[ProposedTime]
    rating: int | None
    comment: str | None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    sessions: list[StoredSession] = field(default_factory=list)


def _mentorship(row: Any, sessions: list[StoredSession] | None = None) -> StoredMentorship:
    """A stored row, its parties gathered and its JSON columns decoded."""
    return msgspec.convert(
        {
            **columns(row),
            "parties": msgspec.convert(row, Parties, from_attributes=True),
            "reasons": _reasons.decode(row.reasons),
            "proposed_times": _times.decode(row.proposed_times) if row.proposed_times else [],
            "sessions": sessions or [],
        },
        StoredMentorship,
    )


async def add(
    session: AsyncSession,
    *,
    mentorship_id: str,
    parties: Parties,
    kind: str,
    suggestion_id: str,
    goal: str,
    reasons: Sequence[Reason],
    created_at: datetime,
    expires_at: datetime,
) -> None:
    """Store a new request."""
    await session.execute(
        sa.insert(m.mentorships).values(
            id=mentorship_id,
            **asdict(parties),
            kind=kind,
            suggestion_id=suggestion_id,
            status="requested",
            goal=goal,
            reasons=_json.encode(list(reasons)),
            created_at=created_at,
            expires_at=expires_at,
        )
    )


async def get(
    session: AsyncSession, mentorship_id: str, *, with_sessions: bool = True
) -> StoredMentorship | None:
    """One mentorship, its sessions oldest first."""
    row = (await session.execute(sa.select(m.mentorships).where(m.mentorships.c.id == mentorship_id))).first()
    if row is None:
        return None
    sessions = await sessions_of(session, mentorship_id) if with_sessions else []
    return _mentorship(row, sessions)


async def sessions_of(session: AsyncSession, mentorship_id: str) -> list[StoredSession]:
    table = m.mentorship_sessions
    rows = await session.execute(
        sa.select(table).where(table.c.mentorship_id == mentorship_id).order_by(table.c.at, table.c.id)
    )
    return [msgspec.convert(r, StoredSession, from_attributes=True) for r in rows]


async def of_person(
    session: AsyncSession, person_id: str, status: str | None, offset: int, limit: int
) -> list[StoredMentorship]:
    """A person's mentorships (as mentee or mentor), newest first, without sessions."""
    table = m.mentorships
    query = sa.select(table).where(sa.or_(table.c.mentee_id == person_id, table.c.mentor_id == person_id))
    if status is not None:
        query = query.where(table.c.status == status)
    query = query.order_by(table.c.created_at.desc(), table.c.id).offset(offset).limit(limit)
    return [_mentorship(r) for r in (await session.execute(query)).all()]


async def session_counts(session: AsyncSession, mentorship_ids: Sequence[str]) -> dict[str, int]:
    table = m.mentorship_sessions
    if not mentorship_ids:
        return {}
    rows = await session.execute(
        sa.select(table.c.mentorship_id, sa.func.count())
        .where(table.c.mentorship_id.in_(list(mentorship_ids)))
        .group_by(table.c.mentorship_id)
    )
    return {r[0]: int(r[1]) for r in rows}


async def set_status(
    session: AsyncSession, mentorship_id: str, status: str, *, expected: str, **values: Any
) -> bool:
    """Move a mentorship from ``expected`` to ``status``; False if it was not ``expected`` any more."""
    result = await session.execute(
        sa.update(m.mentorships)
        .where(m.mentorships.c.id == mentorship_id, m.mentorships.c.status == expected)
        .values(status=status, **values)
    )
    return bool(getattr(result, "rowcount", 0))


async def activate(
    session: AsyncSession, mentorship_id: str, times: Sequence[ProposedTime], *, answered_at: datetime
) -> bool:
    """The mentor accepted: requested → active with the proposed first sessions, in one statement."""
    return await set_status(
        session,
        mentorship_id,
        "active",
        expected="requested",
        answered_at=answered_at,
        proposed_times=_json.encode(list(times)),
    )


async def add_session(session: AsyncSession, mentorship_id: str, stored: StoredSession) -> None:
    await session.execute(
        sa.insert(m.mentorship_sessions).values(mentorship_id=mentorship_id, **asdict(stored))
    )


async def due(session: AsyncSession, now: datetime, limit: int = 500) -> list[StoredMentorship]:
    """Requests past their answer-by time."""
    table = m.mentorships
    rows = await session.execute(
        sa.select(table)
        .where(table.c.status == "requested", table.c.expires_at <= now)
        .order_by(table.c.expires_at)
        .limit(limit)
    )
    return [_mentorship(r) for r in rows.all()]


async def holding_of(session: AsyncSession, person_id: str) -> list[StoredMentorship]:
    """The requested or active mentorships ``person_id`` is a party of."""
    table = m.mentorships
    rows = await session.execute(
        sa.select(table).where(
            sa.or_(table.c.mentee_id == person_id, table.c.mentor_id == person_id),
            table.c.status.in_(HOLDING),
        )
    )
    return [_mentorship(r) for r in rows.all()]


async def released_pairs(session: AsyncSession, person_id: str | None = None) -> list[tuple[str, str]]:
    """(mentee, mentor) of mentorships that no longer hold a slot (a restart must not count them);
    with ``person_id``, only the pairs that person is in."""
    table = m.mentorships
    party = (
        sa.or_(table.c.mentee_id == person_id, table.c.mentor_id == person_id)
        if person_id is not None
        else sa.true()
    )
    holding = set(
        (r.mentee_id, r.mentor_id)
        for r in await session.execute(
            sa.select(table.c.mentee_id, table.c.mentor_id).where(table.c.status.in_(HOLDING), party)
        )
    )
    ended = await session.execute(
        sa.select(table.c.mentee_id, table.c.mentor_id).where(table.c.status.not_in(HOLDING), party)
    )
    return [(r.mentee_id, r.mentor_id) for r in ended if (r.mentee_id, r.mentor_id) not in holding]


async def erase_notes_of_person(session: AsyncSession, person_id: str) -> None:
    """Remove the notes, closing comments and goal of ``person_id``'s mentorships (an erased party)."""
    table = m.mentorships
    ids = sa.select(table.c.id).where(sa.or_(table.c.mentee_id == person_id, table.c.mentor_id == person_id))
    await session.execute(
        sa.update(m.mentorship_sessions)
        .where(m.mentorship_sessions.c.mentorship_id.in_(ids))
        .values(notes="")
    )
    await session.execute(
        sa.update(table)
        .where(sa.or_(table.c.mentee_id == person_id, table.c.mentor_id == person_id))
        .values(comment=None)
    )
    # The goal was the mentee's own words.
    await session.execute(sa.update(table).where(table.c.mentee_id == person_id).values(goal=""))


async def set_feedback(session: AsyncSession, suggestion_id: str, action: str, rating: int | None) -> None:
    """Make a mentorship's outcome its suggestion's feedback (features kept): training data."""
    await session.execute(
        sa.update(m.feedback)
        .where(m.feedback.c.suggestion_id == suggestion_id)
        .values(action=action, rating=rating)
    )


async def features_of(session: AsyncSession, suggestion_id: str) -> list[float]:
    row = (
        await session.execute(
            sa.select(m.feedback.c.features).where(m.feedback.c.suggestion_id == suggestion_id)
        )
    ).first()
    return msgspec.json.decode(row.features, type=list[float]) if row is not None else []


async def among(session: AsyncSession, person_ids: Sequence[str]) -> list[StoredMentorship]:
    """Mentorships whose mentee and mentor are both in ``person_ids`` (a cohort), newest first."""
    if not person_ids:
        return []
    table = m.mentorships
    ids = list(person_ids)
    rows = await session.execute(
        sa.select(table)
        .where(table.c.mentee_id.in_(ids), table.c.mentor_id.in_(ids))
        .order_by(table.c.created_at.desc(), table.c.id)
    )
    return [_mentorship(r) for r in rows.all()]
