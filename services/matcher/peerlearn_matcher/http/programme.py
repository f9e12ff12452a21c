"""The programme admin's view of a cohort's mentorships (a thin controller)."""

from __future__ import annotations

import msgspec
from litestar import get

from peerlearn.auth import Principal
from peerlearn_matcher.http import SignedInController
from peerlearn_matcher.http.mentorships import MentorshipOut, mentorship_out
from peerlearn_matcher.usecases.matcher import Matcher
from peerlearn_matcher.usecases.mentorship_programme import cohort_programme


class ProgrammeOut(msgspec.Struct, frozen=True, kw_only=True):
    cohort_id: str
    by_status: dict[str, int]
    sessions: int
    never_met: int
    mean_rating: float | None = None
    items: list[MentorshipOut]


class ProgrammeController(SignedInController):
    """A cohort's mentorships for the admins of its orgs."""

    @get(
        "/v1/cohorts/{cohort_id:str}/mentorships",
        summary="A cohort's mentorships and their tally (programme admins)",
    )
    async def cohort(self, matcher: Matcher, principal: Principal | None, cohort_id: str) -> ProgrammeOut:
        """For the admins of the cohort's orgs and the platform admin: no notes, no introductions."""
        found = await cohort_programme(matcher, principal, cohort_id)
        return ProgrammeOut(
            cohort_id=cohort_id,
            by_status=found.by_status,
            sessions=sum(found.sessions.values()),
            never_met=found.never_met,
            mean_rating=found.mean_rating,
            items=[
                mentorship_out(
                    matcher, found.caller, m, full=False, session_count=found.sessions.get(m.id, 0)
                )
                for m in found.mentorships
            ],
        )
