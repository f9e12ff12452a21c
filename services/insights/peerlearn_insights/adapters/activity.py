"""The reads behind the programme report and the learning network: a scope's people, its
questions and their first answers, the help between people, the matcher's suggestions,
mentorships and routings. A scope is a subquery of person ids, so 10,000 people never travel
as an IN list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.store import UTCDateTime
from peerlearn_insights.adapters.programme import mentorships, routings, suggestions
from peerlearn_insights.adapters.tables import acts, directory, processed_events, threads

HELP_VERBS = ("answered", "answer_accepted", "mentored")
people, members, cohort_orgs, cohorts = (
    directory.people,
    directory.cohort_members,
    directory.cohort_orgs,
    directory.cohorts,
)


async def data_version(session: AsyncSession) -> tuple[int, datetime | None]:
    """What insights has applied so far, as a value any newly applied event changes: how many
    events, and when the last one was (every read model here changes only by applying one)."""
    row = (
        await session.execute(sa.select(sa.func.count(), sa.func.max(processed_events.c.processed_at)))
    ).one()
    return int(row[0]), row[1]


def org_people(org_id: str) -> sa.Select[Any]:
    """The ids of an org's people (not erased)."""
    return sa.select(people.c.id).where(people.c.org_id == org_id, people.c.erased.is_(False))


def cohort_people(cohort_id: str) -> sa.Select[Any]:
    """The ids of a cohort's members now."""
    return sa.select(members.c.person_id).where(members.c.cohort_id == cohort_id, members.c.active.is_(True))


def _window(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    return [c for c in (column >= start if start else None, column < end if end else None) if c is not None]


async def names(session: AsyncSession, scope: sa.Select[Any]) -> dict[str, tuple[str, str]]:
    """``{person: (display name, org)}`` of the scope."""
    rows = await session.execute(
        sa.select(people.c.id, people.c.display_name, people.c.org_id).where(
            people.c.id.in_(scope), people.c.erased.is_(False)
        )
    )
    return {r.id: (r.display_name, r.org_id) for r in rows}


async def cohort(session: AsyncSession, cohort_id: str) -> str | None:
    """A cohort's name, None when the directory never heard of it."""
    return await session.scalar(sa.select(cohorts.c.name).where(cohorts.c.id == cohort_id))


async def cohorts_of_org(session: AsyncSession, org_id: str) -> list[tuple[str, str]]:
    """``(id, name)`` of the cohorts an org is in now."""
    rows = await session.execute(
        sa.select(cohorts.c.id, cohorts.c.name)
        .join(cohort_orgs, cohort_orgs.c.cohort_id == cohorts.c.id)
        .where(cohort_orgs.c.org_id == org_id, cohort_orgs.c.active.is_(True))
        .order_by(cohorts.c.name, cohorts.c.id)
    )
    return [(r.id, r.name) for r in rows]


async def members_of(session: AsyncSession, cohort_id: str) -> dict[str, str]:
    """``{person: org}`` of a cohort's members now."""
    rows = await session.execute(
        sa.select(members.c.person_id, members.c.org_id).where(
            members.c.cohort_id == cohort_id, members.c.active.is_(True)
        )
    )
    return {r.person_id: r.org_id for r in rows}


async def shared_cohort_people(session: AsyncSession, org_id: str) -> set[str]:
    """The people (of any org) in a cohort the org is in now."""
    in_org_cohorts = sa.select(cohort_orgs.c.cohort_id).where(
        cohort_orgs.c.org_id == org_id, cohort_orgs.c.active.is_(True)
    )
    rows = await session.scalars(
        sa.select(members.c.person_id).where(
            members.c.cohort_id.in_(in_org_cohorts), members.c.active.is_(True)
        )
    )
    return set(rows)


async def questions(
    session: AsyncSession,
    start: datetime | None,
    end: datetime | None,
    *,
    askers: Any = None,
    cohort_id: str | None = None,
) -> list[Any]:
    """Questions asked in the window, by the scope's people or in a cohort's spaces, with where
    each lives (for the reader's visibility)."""
    query = (
        sa.select(
            acts.c.thread_id,
            acts.c.person_id.label("asker_id"),
            acts.c.at,
            threads.c.title,
            threads.c.visibility,
            threads.c.org_id,
            threads.c.cohort_id,
            threads.c.tags,
        )
        .join(threads, threads.c.id == acts.c.thread_id)
        .where(acts.c.verb == "asked", *_window(acts.c.at, start, end))
    )
    if askers is not None:
        query = query.where(acts.c.person_id.in_(askers))
    if cohort_id is not None:
        query = query.where(threads.c.cohort_id == cohort_id)
    return list((await session.execute(query)).all())


def asked_threads(
    start: datetime | None, end: datetime | None, *, askers: Any = None, cohort_id: str | None = None
) -> sa.Select[Any]:
    """The ids of the questions :func:`questions` reads, as a subquery."""
    query = sa.select(acts.c.thread_id).where(acts.c.verb == "asked", *_window(acts.c.at, start, end))
    if askers is not None:
        query = query.where(acts.c.person_id.in_(askers))
    if cohort_id is not None:
        query = query.where(
            acts.c.thread_id.in_(sa.select(threads.c.id).where(threads.c.cohort_id == cohort_id))
        )
    return query


async def first_answers(session: AsyncSession, thread_ids: sa.Select[Any]) -> dict[str, datetime]:
    """``{thread: when its first answer came}`` of those threads that have an answer."""
    first = sa.func.min(acts.c.at, type_=UTCDateTime).label("first")
    query = (
        sa.select(acts.c.thread_id, first)
        .where(acts.c.verb == "answered", acts.c.thread_id.in_(thread_ids))
        .group_by(acts.c.thread_id)
    )
    return {r.thread_id: r.first for r in await session.execute(query)}


async def helps(
    session: AsyncSession, scope: sa.Select[Any], start: datetime | None, end: datetime | None
) -> list[Any]:
    """``(helper, helped, verb)`` of the help in the window with a scope person at one end."""
    query = sa.select(acts.c.person_id, acts.c.other_id, acts.c.verb).where(
        acts.c.verb.in_(HELP_VERBS),
        acts.c.other_id.is_not(None),
        sa.or_(acts.c.person_id.in_(scope), acts.c.other_id.in_(scope)),
        *_window(acts.c.at, start, end),
    )
    return list((await session.execute(query)).all())


async def suggestion_counts(
    session: AsyncSession, scope: sa.Select[Any], start: datetime | None, end: datetime | None
) -> list[Any]:
    """``(kind, action, n)`` of the suggestions made in the window to the scope's people."""
    n = sa.func.count().label("n")
    query = (
        sa.select(suggestions.c.kind, suggestions.c.action, n)
        .where(suggestions.c.person_id.in_(scope), *_window(suggestions.c.made_at, start, end))
        .group_by(suggestions.c.kind, suggestions.c.action)
    )
    return list((await session.execute(query)).all())


async def mentorship_counts(
    session: AsyncSession, scope: sa.Select[Any], start: datetime | None, end: datetime | None
) -> list[Any]:
    """``(status, rating, n)`` of the mentorships requested in the window with a scope person in them."""
    n = sa.func.count().label("n")
    query = (
        sa.select(mentorships.c.status, mentorships.c.rating, n)
        .where(
            sa.or_(mentorships.c.mentee_id.in_(scope), mentorships.c.mentor_id.in_(scope)),
            *_window(mentorships.c.requested_at, start, end),
        )
        .group_by(mentorships.c.status, mentorships.c.rating)
    )
    return list((await session.execute(query)).all())


async def routing_counts(session: AsyncSession, thread_ids: sa.Select[Any]) -> tuple[int, int]:
    """Of the (question, person) pairs routed for those threads: how many, and how many of those
    people answered the question they were routed to."""
    answers = (
        sa.select(acts.c.thread_id, acts.c.person_id)
        .where(acts.c.verb == "answered", acts.c.thread_id.in_(thread_ids))
        .distinct()
        .subquery()
    )
    routed = sa.select(sa.func.count()).where(routings.c.thread_id.in_(thread_ids))
    hit = (
        sa.select(sa.func.count())
        .select_from(
            routings.join(
                answers,
                sa.and_(
                    answers.c.thread_id == routings.c.thread_id, answers.c.person_id == routings.c.person_id
                ),
            )
        )
        .where(routings.c.thread_id.in_(thread_ids))
    )
    return int(await session.scalar(routed) or 0), int(await session.scalar(hit) or 0)


async def people_by_id(session: AsyncSession, ids: set[str]) -> dict[str, tuple[str, str]]:
    """``{person: (display name, org)}`` of those people (the erased left out)."""
    out: dict[str, tuple[str, str]] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), 5_000):
        query = sa.select(people.c.id, people.c.display_name, people.c.org_id).where(
            people.c.id.in_(wanted[i : i + 5_000]), people.c.erased.is_(False)
        )
        out.update({r.id: (r.display_name, r.org_id) for r in await session.execute(query)})
    return out
