"""Cohort planning: study groups and mentor assignment (thin controllers).

For the admins of the cohort's orgs and the platform admin (404 for everyone else).
"""

from __future__ import annotations

from litestar import post
from litestar.status_codes import HTTP_200_OK

from peerlearn.auth import Principal
from peerlearn_matcher.http import SignedInController
from peerlearn_matcher.http.schemas import (
    AssignmentIn,
    AssignmentOut,
    GroupOut,
    GroupsIn,
    GroupsOut,
    MemberOut,
    PairOut,
)
from peerlearn_matcher.usecases import planning
from peerlearn_matcher.usecases.matcher import Matcher


def _member(matcher: Matcher, person_id: str) -> MemberOut:
    name, org_id = planning.member_card(matcher, person_id)
    return MemberOut(person_id=person_id, display_name=name, org_id=org_id)


class CohortsController(SignedInController):
    """Whole-cohort planning for the cohort's admins."""

    @post(
        "/v1/cohorts/{cohort_id:str}/groups",
        status_code=HTTP_200_OK,
        summary="Split a cohort's learners into study groups",
    )
    async def groups(
        self, matcher: Matcher, principal: Principal | None, cohort_id: str, data: GroupsIn
    ) -> GroupsOut:
        """Groups of ``size`` ± 1, coherent in what they want to learn, mixed across organisations."""
        found = await planning.plan_groups(matcher, principal, cohort_id, data.size)
        return GroupsOut(
            cohort_id=cohort_id,
            size=data.size,
            groups=[
                GroupOut(
                    members=[_member(matcher, p) for p in g.member_ids],
                    org_ids=g.org_ids,
                    topics=g.topics,
                    coherence=round(g.coherence, 6),
                    reasons=g.reasons,
                )
                for g in found
            ],
        )

    @post(
        "/v1/cohorts/{cohort_id:str}/mentor-assignment",
        status_code=HTTP_200_OK,
        summary="Assign every learner of a cohort a mentor at once (for the admin to review)",
    )
    async def mentor_assignment(
        self, matcher: Matcher, principal: Principal | None, cohort_id: str, data: AssignmentIn | None = None
    ) -> AssignmentOut:
        """The optimal assignment under each mentor's capacity, with the greedy baseline's total beside it."""
        plan = await planning.plan_mentors(matcher, principal, cohort_id)
        best = plan.assignment
        return AssignmentOut(
            cohort_id=cohort_id,
            pairs=[
                PairOut(
                    learner=_member(matcher, learner),
                    mentor=_member(matcher, mentor),
                    quality=round(best.quality[learner], 6),
                    reasons=plan.reasons.get(learner, []),
                )
                for learner, mentor in sorted(best.pairs.items())
            ],
            unassigned=best.unassigned,
            total_quality=round(best.total_quality, 6),
            greedy_total_quality=round(plan.greedy_total, 6),
            improvement_over_greedy=round(best.total_quality - plan.greedy_total, 6),
        )
