"""The matcher's HTTP API (DESIGN §5): thin controllers over the live matcher.

Who may see what (DESIGN §6): a person reads only their own suggestions and stream
(anyone else's answer 404, as if they did not exist); a thread's answerers and related
threads are for those who may read the thread (404 otherwise), and only show people and
threads that reader may see; a cohort's groups and mentor assignment are for the admins of
the cohort's orgs (404 for everyone else).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK

from peerlearn.auth import Principal, authenticated
from peerlearn.events import SuggestionsUpdated
from peerlearn_matcher import cohorts
from peerlearn_matcher.engine import Engine
from peerlearn_matcher.live import LiveMatcher, NotFound
from peerlearn_matcher.people import PersonRecord
from peerlearn_matcher.schemas import (
    AnswererOut,
    AnswerersOut,
    AssignmentIn,
    AssignmentOut,
    FeedbackIn,
    GroupOut,
    GroupsIn,
    GroupsOut,
    MemberOut,
    PairOut,
    RelatedOut,
    RelatedPage,
    SuggestionOut,
    SuggestionPage,
)
from peerlearn_matcher.store import StoredSuggestion, open_suggestions
from peerlearn_matcher.threads import ThreadRecord, person_sees

SuggestionKindParam = Annotated[
    str | None, Parameter(query="kind", pattern="^(peer|mentor|expert|answerer)$", required=False)
]


def _own(principal: Principal | None, person_id: str) -> None:
    if principal is None or not (principal.platform_admin or principal.person_id == person_id):
        raise NotFoundException(f"no person {person_id}")


def _name(engine: Engine, person_id: str) -> str:
    record = engine.people.records.get(person_id)
    return record.profile.display_name if record is not None else ""


def _out(engine: Engine, s: StoredSuggestion) -> SuggestionOut:
    return SuggestionOut(
        id=s.id,
        kind=s.kind,
        candidate_id=s.candidate_id,
        candidate_name=_name(engine, s.candidate_id),
        thread_id=s.thread_id,
        score=s.score,
        reasons=s.reasons,
        status=s.status,
        created_at=s.created_at,
    )


def _member(engine: Engine, person_id: str) -> MemberOut:
    record = engine.people.records.get(person_id)
    return MemberOut(
        person_id=person_id,
        display_name=record.profile.display_name if record else "",
        org_id=record.org_id if record else "",
    )


def _readable_thread(engine: Engine, principal: Principal | None, thread_id: str) -> ThreadRecord:
    thread = engine.threads.get(thread_id)
    if thread is None or not _sees(engine, principal, thread):
        raise NotFoundException(f"no thread {thread_id}")
    return thread


def _known(engine: Engine, principal: Principal | None) -> PersonRecord | None:
    """The caller as the read model knows them. A token of a person the matcher does not know —
    erased, or not yet arrived — grants no more than anonymity: the token alone is not trusted
    for org, roles or cohorts (they may have changed since it was issued)."""
    if principal is None or principal.person_id is None:
        return None
    return engine.people.records.get(principal.person_id)


def _sees(engine: Engine, principal: Principal | None, thread: ThreadRecord) -> bool:
    if principal is not None and principal.platform_admin:
        return True
    caller = _known(engine, principal)
    if caller is None:
        return person_sees(thread, None, set())
    return person_sees(thread, caller.org_id, engine.cohorts_of(caller.id))


def _cohort_admin(engine: Engine, principal: Principal | None, cohort_id: str) -> None:
    cohort = engine.cohorts.get(cohort_id)
    orgs = ({cohort.owner_org_id} | cohort.orgs) if cohort else set()
    if principal is not None and principal.platform_admin and cohort is not None:
        return
    caller = _known(engine, principal)
    # Roles as the latest profile says: a demoted admin's older token no longer plans cohorts.
    is_admin = caller is not None and "org_admin" in caller.profile.roles and caller.org_id in orgs
    if cohort is None or not is_admin:
        raise NotFoundException(f"no cohort {cohort_id}")


class MatcherController(Controller):
    """Suggestions, feedback, thread answerers and related threads, cohort planning."""

    tags = ["matcher"]

    @get("/v1/people/{person_id:str}/suggestions", guards=[authenticated], summary="A person's suggestions")
    async def suggestions(
        self,
        live: LiveMatcher,
        principal: Principal | None,
        person_id: str,
        kind: SuggestionKindParam = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Parameter(pattern="^[0-9]{1,6}$")] = None,
    ) -> SuggestionPage:
        """Open suggestions, best first within each kind (peer, mentor, expert, answerer)."""
        _own(principal, person_id)
        engine = live.require_engine()
        offset = int(cursor or 0)
        async with live.database.sessions() as session:
            found = await open_suggestions(session, person_id, kind, offset=offset, limit=limit + 1)
        more = len(found) > limit
        return SuggestionPage(
            person_id=person_id,
            items=[_out(engine, s) for s in found[:limit]],
            next_cursor=str(offset + limit) if more else None,
        )

    @get(
        "/v1/people/{person_id:str}/suggestions/stream",
        guards=[authenticated],
        summary="New suggestions as they come (server-sent events)",
    )
    async def stream(self, live: LiveMatcher, principal: Principal | None, person_id: str) -> ServerSentEvent:
        """The current list, then every new one (event ``suggestions``) while the tab is open."""
        _own(principal, person_id)
        engine = live.require_engine()

        def message(update: SuggestionsUpdated) -> ServerSentEventMessage:
            return ServerSentEventMessage(data=msgspec.json.encode(update).decode(), event="suggestions")

        async def updates() -> AsyncIterator[ServerSentEventMessage]:
            async with live.feed.subscribe(person_id) as queue:
                async with live.database.sessions() as session:
                    if person_id in engine.people:
                        yield message(await live.current(session, person_id))
                while True:
                    yield message(await queue.get())

        return ServerSentEvent(updates())

    @post(
        "/v1/suggestions/{suggestion_id:str}/feedback",
        guards=[authenticated],
        status_code=HTTP_200_OK,
        summary="Accept or decline a suggestion",
    )
    async def feedback(
        self, live: LiveMatcher, principal: Principal | None, suggestion_id: str, data: FeedbackIn
    ) -> SuggestionOut:
        """Declined candidates never come back; an accepted mentor uses one unit of their capacity."""
        try:
            stored = await live.give_feedback(
                principal.person_id if principal else None, suggestion_id, data.action, data.rating
            )
        except NotFound as exc:
            raise NotFoundException(str(exc)) from None
        return _out(live.require_engine(), stored)

    @get("/v1/threads/{thread_id:str}/answerers", summary="Who is likely to answer this question")
    async def answerers(self, live: LiveMatcher, principal: Principal | None, thread_id: str) -> AnswerersOut:
        """The suggested answerers of a question that the caller may see."""
        engine = live.require_engine()
        thread = _readable_thread(engine, principal, thread_id)
        viewer = _known(engine, principal)
        admin = principal is not None and principal.platform_admin
        if viewer is None and not admin:
            # open_to_external is consent to be matched across organisations, not to be listed
            # to anonymous readers of a public thread.
            return AnswerersOut(thread_id=thread_id, answerers=[])
        allowed = engine.visible_mask(viewer) if viewer is not None else engine.people.external
        out = []
        if thread.kind == "question" and not thread.accepted_post_id:
            for item in engine.answerers(thread_id):
                row = engine.people.row(item.candidate_id)
                if admin or (row is not None and allowed[row]):
                    out.append(
                        AnswererOut(
                            person_id=item.candidate_id,
                            display_name=_name(engine, item.candidate_id),
                            score=round(item.score, 6),
                            reasons=item.reasons,
                        )
                    )
        return AnswerersOut(thread_id=thread_id, answerers=out)

    @get("/v1/threads/{thread_id:str}/related", summary="Answered threads close to this one")
    async def related(self, live: LiveMatcher, principal: Principal | None, thread_id: str) -> RelatedPage:
        """Threads with an accepted answer, close in meaning, among those the caller may read."""
        engine = live.require_engine()
        _readable_thread(engine, principal, thread_id)
        found = engine.related(thread_id, visible=lambda t: _sees(engine, principal, t))
        return RelatedPage(
            thread_id=thread_id,
            related=[
                RelatedOut(thread_id=k, title=engine.threads[k].title, score=round(s, 6)) for k, s in found
            ],
        )

    @post(
        "/v1/cohorts/{cohort_id:str}/groups",
        guards=[authenticated],
        status_code=HTTP_200_OK,
        summary="Split a cohort's learners into study groups",
    )
    async def groups(
        self, live: LiveMatcher, principal: Principal | None, cohort_id: str, data: GroupsIn
    ) -> GroupsOut:
        """Groups of ``size`` ± 1, coherent in what they want to learn, mixed across organisations."""
        engine = live.require_engine()
        _cohort_admin(engine, principal, cohort_id)
        async with live.lock:
            found = cohorts.study_groups(engine, cohort_id, data.size)
        return GroupsOut(
            cohort_id=cohort_id,
            size=data.size,
            groups=[
                GroupOut(
                    members=[_member(engine, p) for p in g.member_ids],
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
        guards=[authenticated],
        status_code=HTTP_200_OK,
        summary="Assign every learner of a cohort a mentor at once (for the admin to review)",
    )
    async def mentor_assignment(
        self, live: LiveMatcher, principal: Principal | None, cohort_id: str, data: AssignmentIn | None = None
    ) -> AssignmentOut:
        """The optimal assignment under each mentor's capacity, with the greedy baseline's total beside it."""
        engine = live.require_engine()
        _cohort_admin(engine, principal, cohort_id)
        async with live.lock:
            plan = cohorts.mentor_assignment(engine, cohort_id)
        best = plan.assignment
        return AssignmentOut(
            cohort_id=cohort_id,
            pairs=[
                PairOut(
                    learner=_member(engine, learner),
                    mentor=_member(engine, mentor),
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
