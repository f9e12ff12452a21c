"""The programme view: a cohort's mentorships for the admins who run it (never notes).

Who may see it is the planning rule (:func:`peerlearn_matcher.usecases.planning.planner`): the
platform admin and the admins of the cohort's orgs (404 for everyone else, as if the cohort did
not exist). It covers mentorships whose two parties are both members of the cohort now, with a
tally per status, sessions and ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn_matcher.adapters import mentorship_store as stored
from peerlearn_matcher.adapters.mentorship_store import StoredMentorship
from peerlearn_matcher.usecases.matcher import Matcher
from peerlearn_matcher.usecases.planning import planner


@dataclass
class Programme:
    """A cohort's mentorships and their tally."""

    caller: Caller
    mentorships: list[StoredMentorship]
    sessions: dict[str, int]
    by_status: dict[str, int] = field(default_factory=dict)
    mean_rating: float | None = None
    never_met: int = 0


async def cohort_programme(matcher: Matcher, principal: Principal | None, cohort_id: str) -> Programme:
    """The mentorships among the cohort's members, for its admins and the platform admin."""
    async with matcher.uow.reading() as tx:
        caller = await planner(matcher, tx, principal, cohort_id)
        members = sorted(matcher.index.engine.members.get(cohort_id, set()))
        found = await stored.among(tx.session, members)
        counts = await stored.session_counts(tx.session, [m.id for m in found])
    by_status: dict[str, int] = {}
    for m in found:
        by_status[m.status] = by_status.get(m.status, 0) + 1
    ratings = [m.rating for m in found if m.rating is not None]
    return Programme(
        caller=caller,
        mentorships=found,
        sessions=counts,
        by_status=by_status,
        mean_rating=round(sum(ratings) / len(ratings), 3) if ratings else None,
        never_met=sum(1 for m in found if m.status == "closed" and not counts.get(m.id)),
    )
