"""What the matcher did for the programme, kept for the report: the suggestions it made and
how they were answered, the mentorships and how they ended, the answerers a question was
routed to. Tables (migration 0004), the handlers of the matcher's events, and erasure."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.consuming import Apply
from peerlearn.events import matcher as m
from peerlearn.store import UTCDateTime
from peerlearn.unit_of_work import Transaction
from peerlearn_insights.adapters.tables import metadata

suggestions = sa.Table(
    "suggestions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("candidate_id", sa.String(64), nullable=True),
    sa.Column("thread_id", sa.String(64), nullable=True),
    sa.Column("made_at", UTCDateTime, nullable=False),
    sa.Column("action", sa.String(8), nullable=True),
    sa.Column("decided_at", UTCDateTime, nullable=True),
    sa.Index("ix_suggestions_person", "person_id"),
)
mentorships = sa.Table(
    "mentorships",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("mentee_id", sa.String(64), nullable=False),
    sa.Column("mentor_id", sa.String(64), nullable=False),
    # requested | active | declined | expired | closed, as the matcher names them
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("rating", sa.Integer, nullable=True),
)
routings = sa.Table(
    "routings",
    metadata,
    sa.Column("thread_id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("routed_at", UTCDateTime, nullable=False),
)
ENDED = ("declined", "expired", "closed")


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def suggestions_updated(tx: Transaction, event: events.Event) -> None:
    """Each suggestion id is made once, when first offered (a re-ranking re-sends the same ids)."""
    data = event.data
    assert isinstance(data, m.SuggestionsUpdated)
    for item in data.suggestions:
        row = {
            "id": item.id,
            "person_id": data.person_id,
            "kind": item.kind,
            "candidate_id": item.candidate_id,
            "thread_id": item.thread_id,
            "made_at": event.occurred_at,
        }
        await tx.session.execute(_insert(tx.session)(suggestions).values(**row).on_conflict_do_nothing())


async def suggestion_feedback(tx: Transaction, event: events.Event) -> None:
    """An accept or decline (a suggestion not seen before, e.g. an answerer's, is made then)."""
    data = event.data
    assert isinstance(data, m.SuggestionFeedback)
    decided = {"action": data.action, "decided_at": event.occurred_at}
    row = {
        "id": data.suggestion_id,
        "person_id": data.person_id,
        "kind": data.kind,
        "candidate_id": data.candidate_id,
        "thread_id": data.thread_id,
        "made_at": event.occurred_at,
        **decided,
    }
    statement = _insert(tx.session)(suggestions).values(**row)
    await tx.session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=decided))


async def answerers_suggested(tx: Transaction, event: events.Event) -> None:
    """The people a question was routed to (first routing time kept)."""
    data = event.data
    assert isinstance(data, m.AnswerersSuggested)
    for answerer in data.answerers:
        row = {"thread_id": data.thread_id, "person_id": answerer.person_id, "routed_at": event.occurred_at}
        await tx.session.execute(_insert(tx.session)(routings).values(**row).on_conflict_do_nothing())


async def mentorship_changed(tx: Transaction, event: events.Event) -> None:
    """A mentorship's status; an ended one never comes back (a late event cannot revive it)."""
    data = event.data
    assert isinstance(
        data,
        m.MentorshipRequested
        | m.MentorshipAccepted
        | m.MentorshipDeclined
        | m.MentorshipExpired
        | m.MentorshipClosed,
    )
    status = {
        m.MENTORSHIP_REQUESTED: "requested",
        m.MENTORSHIP_ACCEPTED: "active",
        m.MENTORSHIP_DECLINED: "declined",
        m.MENTORSHIP_EXPIRED: "expired",
        m.MENTORSHIP_CLOSED: "closed",
    }[event.type]
    row = {"id": data.mentorship_id, "mentee_id": data.mentee_id, "mentor_id": data.mentor_id}
    change: dict[str, Any] = {"status": status}
    if status in ENDED:
        change["closed_at"] = event.occurred_at
    if isinstance(data, m.MentorshipClosed):
        change["rating"] = data.rating
    statement = _insert(tx.session)(mentorships).values(**row, requested_at=event.occurred_at, **change)
    await tx.session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_=change, where=mentorships.c.status.not_in(ENDED)
        )
    )


async def forget_person(session: AsyncSession, person_id: str) -> None:
    """An erased person's suggestions, mentorships and routings go."""
    await session.execute(
        sa.delete(suggestions).where(
            sa.or_(suggestions.c.person_id == person_id, suggestions.c.candidate_id == person_id)
        )
    )
    await session.execute(
        sa.delete(mentorships).where(
            sa.or_(mentorships.c.mentee_id == person_id, mentorships.c.mentor_id == person_id)
        )
    )
    await session.execute(sa.delete(routings).where(routings.c.person_id == person_id))


def programme_handlers() -> dict[str, Apply]:
    """``{subject: handler}`` of the matcher's events the report needs."""
    changed: dict[str, Apply] = {
        subject: mentorship_changed
        for subject in (
            m.MENTORSHIP_REQUESTED,
            m.MENTORSHIP_ACCEPTED,
            m.MENTORSHIP_DECLINED,
            m.MENTORSHIP_EXPIRED,
            m.MENTORSHIP_CLOSED,
        )
    }
    return {
        m.SUGGESTIONS_UPDATED: suggestions_updated,
        m.SUGGESTION_FEEDBACK: suggestion_feedback,
        m.ANSWERERS_SUGGESTED: answerers_suggested,
        **changed,
    }
