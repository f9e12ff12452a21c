"""Mentorships: a person's list, one mentorship, the mentor's answer, sessions, close, the .ics.

Who may see what (DESIGN §6): the two parties see everything, notes included; the platform
admin sees a mentorship without its notes and comment; the admins of a party's org see it in
that person's list (no notes, no introduction); everyone else gets 404. Only the two act on it,
and only the mentor answers a request (403 for the others who can see it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Response, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.events import Reason
from peerlearn.events.matcher import ProposedTime
from peerlearn.invitations import invite_ics
from peerlearn_matcher.adapters.mentorship_store import StoredMentorship
from peerlearn_matcher.adapters.store import now
from peerlearn_matcher.domain.mentorships import introduction
from peerlearn_matcher.http import SignedInController
from peerlearn_matcher.usecases import mentorships
from peerlearn_matcher.usecases.matcher import Matcher
from peerlearn_matcher.usecases.suggestions import candidate_name

Status = Literal["requested", "active", "declined", "expired", "closed"]
Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class SessionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    at: Annotated[datetime, msgspec.Meta(tz=True)]
    minutes: Annotated[int, msgspec.Meta(ge=5, le=480)]
    notes: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    topics: Annotated[list[Topic], msgspec.Meta(max_length=20)] = []


class CloseIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class PartyOut(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    display_name: str


class SessionOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    at: datetime
    minutes: int
    topics: list[str] = []
    logged_by: str
    # Only the two parties read notes; None for anyone else.
    notes: str | None = None


class MentorshipOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    status: Status
    mentee: PartyOut
    mentor: PartyOut
    goal: str = ""
    reasons: list[Reason] = []
    # Once active, for the two: the proposed first sessions and the introduction text.
    proposed_times: list[ProposedTime] = []
    introduction: str | None = None
    sessions: list[SessionOut] = []
    session_count: int = 0
    rating: int | None = None
    comment: str | None = None
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    closed_at: datetime | None = None


class MentorshipPage(msgspec.Struct, frozen=True, kw_only=True):
    person_id: str
    items: list[MentorshipOut]
    next_cursor: str | None = None


def _party(matcher: Matcher, person_id: str) -> PartyOut:
    return PartyOut(person_id=person_id, display_name=candidate_name(matcher, person_id))


def _introduction(matcher: Matcher, m: StoredMentorship) -> str:
    return introduction(
        candidate_name(matcher, m.parties.mentee_id),
        candidate_name(matcher, m.parties.mentor_id),
        m.goal,
        [r.text for r in m.reasons],
        [(t.mentee_local, t.mentor_local) for t in m.proposed_times],
    )


def mentorship_out(
    matcher: Matcher,
    caller: Caller,
    m: StoredMentorship,
    *,
    full: bool = True,
    session_count: int | None = None,
) -> MentorshipOut:
    """A mentorship as ``caller`` may see it (``full``: with its sessions, as one mentorship's GET)."""
    party = m.parties.party(caller)
    introduced = party and m.status in ("active", "closed")
    return MentorshipOut(
        id=m.id,
        kind=m.kind,
        status=m.status,  # type: ignore[arg-type]
        mentee=_party(matcher, m.parties.mentee_id),
        mentor=_party(matcher, m.parties.mentor_id),
        goal=m.goal,
        reasons=m.reasons,
        proposed_times=m.proposed_times if introduced else [],
        introduction=_introduction(matcher, m) if introduced else None,
        sessions=[
            SessionOut(
                id=s.id,
                at=s.at,
                minutes=s.minutes,
                topics=s.topics,
                logged_by=s.logged_by,
                notes=s.notes if party else None,
            )
            for s in m.sessions
        ]
        if full
        else [],
        session_count=len(m.sessions) if session_count is None else session_count,
        rating=m.rating,
        comment=m.comment if party else None,
        created_at=m.created_at,
        expires_at=m.expires_at,
        answered_at=m.answered_at,
        closed_at=m.closed_at,
    )


class MentorshipsController(SignedInController):
    """Mentorship requests, introductions, sessions and closing."""

    @get(
        "/v1/people/{person_id:str}/mentorships",
        summary="A person's mentorships (as mentee or mentor), newest first",
    )
    async def of_person(
        self,
        matcher: Matcher,
        principal: Principal | None,
        person_id: str,
        status: Annotated[Status | None, Parameter(query="status", required=False)] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Parameter(pattern="^[0-9]{1,6}$")] = None,
    ) -> MentorshipPage:
        """For the person, their org's admins and the platform admin; sessions are counted, not listed."""
        offset = int(cursor or 0)
        caller, found, counts, more = await mentorships.list_of_person(
            matcher, principal, person_id, status, offset, limit
        )
        return MentorshipPage(
            person_id=person_id,
            items=[
                mentorship_out(matcher, caller, m, full=False, session_count=counts.get(m.id, 0))
                for m in found
            ],
            next_cursor=str(offset + limit) if more else None,
        )

    @get(
        "/v1/mentorships/{mentorship_id:str}",
        summary="One mentorship with its sessions",
    )
    async def one(self, matcher: Matcher, principal: Principal | None, mentorship_id: str) -> MentorshipOut:
        """For the two parties (notes included) and the platform admin (without notes)."""
        caller, found = await mentorships.get_mentorship(matcher, principal, mentorship_id)
        return mentorship_out(matcher, caller, found)

    @post(
        "/v1/mentorships/{mentorship_id:str}/accept",
        status_code=HTTP_200_OK,
        summary="The mentor accepts a request: both are introduced",
    )
    async def accept(
        self, matcher: Matcher, principal: Principal | None, mentorship_id: str
    ) -> MentorshipOut:
        """Only the mentor, only while requested; the answer carries the introduction and proposed times."""
        return await self._answer(matcher, principal, mentorship_id, "accept")

    @post(
        "/v1/mentorships/{mentorship_id:str}/decline",
        status_code=HTTP_200_OK,
        summary="The mentor declines a request: the slot is freed",
    )
    async def decline(
        self, matcher: Matcher, principal: Principal | None, mentorship_id: str
    ) -> MentorshipOut:
        """Only the mentor, only while requested; counts as a decline for the ranking."""
        return await self._answer(matcher, principal, mentorship_id, "decline")

    async def _answer(
        self, matcher: Matcher, principal: Principal | None, mentorship_id: str, action: str
    ) -> MentorshipOut:
        caller, found = await mentorships.answer(matcher, principal, mentorship_id, action)
        return mentorship_out(matcher, caller, found)

    @post(
        "/v1/mentorships/{mentorship_id:str}/sessions",
        status_code=HTTP_201_CREATED,
        summary="Log a session of an active mentorship",
    )
    async def log_session(
        self, matcher: Matcher, principal: Principal | None, mentorship_id: str, data: SessionIn
    ) -> MentorshipOut:
        """Either party; notes are seen by the two of them only."""
        caller, found = await mentorships.log_session(
            matcher,
            principal,
            mentorship_id,
            at=data.at,
            minutes=data.minutes,
            notes=data.notes,
            topics=data.topics,
        )
        return mentorship_out(matcher, caller, found)

    @post(
        "/v1/mentorships/{mentorship_id:str}/close",
        status_code=HTTP_200_OK,
        summary="Close an active mentorship with a rating",
    )
    async def close(
        self, matcher: Matcher, principal: Principal | None, mentorship_id: str, data: CloseIn
    ) -> MentorshipOut:
        """Either party; frees the mentor's slot; the rating (or "never met") trains the ranking."""
        caller, found = await mentorships.close(matcher, principal, mentorship_id, data.rating, data.comment)
        return mentorship_out(matcher, caller, found)

    @get(
        "/v1/mentorships/{mentorship_id:str}/invite.ics",
        media_type="text/calendar",
        summary="The proposed first sessions as an iCalendar file (RFC 5545)",
    )
    async def invite(
        self, matcher: Matcher, principal: Principal | None, mentorship_id: str
    ) -> Response[bytes]:
        """For the two parties once the mentor accepted (404 before: there is no introduction yet)."""
        found = await mentorships.invite_of(matcher, principal, mentorship_id)
        body = invite_ics(
            found.id,
            mentee_name=candidate_name(matcher, found.parties.mentee_id),
            mentor_name=candidate_name(matcher, found.parties.mentor_id),
            description=_introduction(matcher, found),
            times=found.proposed_times,
            stamp=found.answered_at or now(),
        )
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="mentorship-{found.id}.ics"'},
        )
