"""``/v1/people/{id}/learning-record``: a person's learning acts as JSON or xAPI (thin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.params import Parameter

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.domain.xapi import statement
from peerlearn_insights.http import schemas
from peerlearn_insights.usecases.learning_record import learning_record


class RecordController(Controller):
    path = "/v1/people/{person_id:str}/learning-record"
    tags = ["learning record"]

    @get(
        "/",
        summary="A person's learning record (the person, their org's admins, the platform admin; others 404)",
    )
    async def read(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        person_id: str,
        public_url: str,
        start: Annotated[datetime | None, Parameter(query="from", required=False)] = None,
        end: Annotated[datetime | None, Parameter(query="to", required=False)] = None,
        format: Annotated[Literal["json", "xapi"], Parameter(required=False)] = "json",
    ) -> schemas.LearningRecord | schemas.XapiStatements:
        found = await learning_record(uow, principal, person_id, start, end)
        if format == "xapi":
            made = (
                statement(
                    public_url,
                    act_id=e.id,
                    person_id=person_id,
                    verb=e.verb,
                    at=e.at,
                    thread_id=e.thread_id,
                    title=e.title,
                    tags=e.tags,
                    cohort_id=e.cohort_id,
                )
                for e in found.entries
            )
            return schemas.XapiStatements(person_id=person_id, statements=[s for s in made if s])
        return schemas.LearningRecord(
            person_id=found.person_id,
            org_id=found.org_id,
            entries=[schemas.RecordEntry(**vars(e)) for e in found.entries],
            upvotes_given=found.upvotes_given,
            upvotes_received=found.upvotes_received,
            tally=found.tally,
        )
