"""Cohort planning: study groups and mentor assignment, for the admins of a cohort's orgs.

Who may plan is the directory's rule: the platform admin, and org admins whose org is in the
cohort now (roles as the latest profile says: a demoted admin's older token plans nothing).
Everyone else gets 404, as if the cohort did not exist.

The index lock is held only to copy the cohort out of the engine; the planning itself runs in a
worker thread, so a large cohort's plan never holds up event handling or anyone's suggestions.
"""

from __future__ import annotations

import asyncio

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import NotFound
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.domain.groups import StudyGroup, form_study_groups
from peerlearn_matcher.domain.planning import Plan, group_learners, mentor_problem, solve
from peerlearn_matcher.usecases.matcher import Matcher


async def planner(matcher: Matcher, tx: Transaction, principal: Principal | None, cohort_id: str) -> Caller:
    """The caller, if they may plan ``cohort_id`` (and see its programme); NotFound for everyone else."""
    caller = await matcher.directory.caller_for(tx.session, principal)
    orgs = await matcher.directory.cohort_member_orgs(tx.session, cohort_id)
    if orgs is None or not (caller.platform_admin or cohort_id in caller.admin_cohort_ids):
        raise NotFound(f"no cohort {cohort_id}")
    return caller


async def _require_planner(matcher: Matcher, principal: Principal | None, cohort_id: str) -> None:
    async with matcher.uow.reading() as tx:
        await planner(matcher, tx, principal, cohort_id)


async def plan_groups(
    matcher: Matcher, principal: Principal | None, cohort_id: str, size: int
) -> list[StudyGroup]:
    """The cohort's learners in groups of ``size`` ± 1, coherent in topic, mixed across orgs."""
    await _require_planner(matcher, principal, cohort_id)
    async with matcher.index.lock:
        learners = group_learners(matcher.index.engine, cohort_id)
    return await asyncio.to_thread(form_study_groups, learners, size)


async def plan_mentors(matcher: Matcher, principal: Principal | None, cohort_id: str) -> Plan:
    """Every learner of the cohort one mentor, the best total under capacity, with the greedy total."""
    await _require_planner(matcher, principal, cohort_id)
    async with matcher.index.lock:
        problem = mentor_problem(matcher.index.engine, cohort_id)
    return await asyncio.to_thread(solve, problem)


def member_card(matcher: Matcher, person_id: str) -> tuple[str, str]:
    """A planned member's display name and org ("" for someone no longer known)."""
    record = matcher.index.engine.people.records.get(person_id)
    return (record.profile.display_name, record.org_id) if record is not None else ("", "")
