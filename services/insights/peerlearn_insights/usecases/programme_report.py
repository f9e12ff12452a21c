"""The programme report of an org (its admins, the platform admin) or of a cohort (the admins
of its member orgs, the owner's included, and the platform admin); anyone else 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller, Where, may_see
from peerlearn.errors import Invalid, NotFound, Unauthenticated
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_insights.adapters import activity
from peerlearn_insights.adapters.tables import DIRECTORY
from peerlearn_insights.domain import report as r


def check_window(start: datetime | None, end: datetime | None) -> None:
    """``from`` must come before ``to``."""
    if start is not None and end is not None and start >= end:
        raise Invalid("from must be before to")


async def admin_caller(tx: Transaction, principal: Principal | None) -> Caller:
    """The caller as the directory knows them, signed in (an erased account is not)."""
    if principal is None:
        raise Unauthenticated("sign in to see a report")
    caller = await DIRECTORY.caller_for(tx.session, principal)
    if not caller.platform_admin and caller.person_id is None:
        raise Unauthenticated("this account no longer exists")
    return caller


async def org_report(
    uow: UnitOfWork, principal: Principal | None, org_id: str, start: datetime | None, end: datetime | None
) -> r.Report:
    """The report over an org's people."""
    check_window(start, end)
    async with uow.reading() as tx:
        caller = await admin_caller(tx, principal)
        scope = activity.org_people(org_id)
        known = await activity.names(tx.session, scope)
        if not caller.administers_org(org_id) or not known:
            raise NotFound(f"no org {org_id}")
        rows = await activity.questions(tx.session, start, end, askers=scope)
        asked = activity.asked_threads(start, end, askers=scope)
        ties = []
        for cohort_id, name in await activity.cohorts_of_org(tx.session, org_id):
            cohort_members = await activity.members_of(tx.session, cohort_id)
            ties.append(await _ties(tx, cohort_id, name, cohort_members, start, end))
        return await _report(tx, caller, "org", org_id, scope, len(known), rows, asked, ties, start, end)


async def cohort_report(
    uow: UnitOfWork, principal: Principal | None, cohort_id: str, start: datetime | None, end: datetime | None
) -> r.Report:
    """The report over a cohort's members and the questions in its spaces."""
    check_window(start, end)
    async with uow.reading() as tx:
        caller = await admin_caller(tx, principal)
        name = await activity.cohort(tx.session, cohort_id)
        if name is None or not (caller.platform_admin or cohort_id in caller.admin_cohort_ids):
            raise NotFound(f"no cohort {cohort_id}")
        scope = activity.cohort_people(cohort_id)
        cohort_members = await activity.members_of(tx.session, cohort_id)
        rows = await activity.questions(tx.session, start, end, cohort_id=cohort_id)
        asked = activity.asked_threads(start, end, cohort_id=cohort_id)
        ties = [await _ties(tx, cohort_id, name, cohort_members, start, end)]
        return await _report(
            tx, caller, "cohort", cohort_id, scope, len(cohort_members), rows, asked, ties, start, end
        )


async def _ties(
    tx: Transaction,
    cohort_id: str,
    name: str,
    cohort_members: dict[str, str],
    start: datetime | None,
    end: datetime | None,
) -> r.CohortTies:
    helps = await activity.helps(tx.session, activity.cohort_people(cohort_id), start, end)
    return r.cohort_ties(cohort_id, name, cohort_members, ((h.person_id, h.other_id) for h in helps))


async def _report(
    tx: Transaction,
    caller: Caller,
    scope_kind: Literal["org", "cohort"],
    scope_id: str,
    scope: Any,
    people: int,
    rows: list[Any],
    asked: Any,
    ties: list[r.CohortTies],
    start: datetime | None,
    end: datetime | None,
) -> r.Report:
    questions = []
    for row in rows:
        visible = may_see(caller, Where(row.visibility, org_id=row.org_id, cohort_id=row.cohort_id))
        questions.append(
            r.Question(
                thread_id=row.thread_id,
                asker_id=row.asker_id,
                asked_at=row.at,
                title=row.title if visible else None,
                tags=tuple(row.tags or ()) if visible else (),
            )
        )
    first = await activity.first_answers(tx.session, asked)
    figures, unanswered, skills = r.question_figures(questions, first)
    routed, answered = await activity.routing_counts(tx.session, asked)
    return r.Report(
        scope=scope_kind,
        id=scope_id,
        start=start,
        end=end,
        people=people,
        suggestions=r.suggestion_counts(
            (s.kind, s.action, s.n) for s in await activity.suggestion_counts(tx.session, scope, start, end)
        ),
        mentorships=r.mentorship_counts(
            (m.status, m.rating, m.n) for m in await activity.mentorship_counts(tx.session, scope, start, end)
        ),
        questions=figures,
        routing=r.routing_figures(routed, answered),
        unanswered=unanswered,
        cohorts=ties,
        skills=skills,
    )
