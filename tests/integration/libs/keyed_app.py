"""A small service for the idempotency fault test, run by uvicorn in a process of its own.

``POST /v1/notes`` writes a note and its event through the unit of work and answers with a
server-made id and time, so a replayed answer can be told from a re-run one.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import sqlalchemy as sa
from litestar import Litestar, post

from peerlearn import events
from peerlearn.service import create_service_app
from peerlearn.settings import ServiceSettings, load_settings
from peerlearn.unit_of_work import UnitOfWork

MIGRATIONS = Path(__file__).parent / "sample_migrations"
notes = sa.table("notes", sa.column("id"), sa.column("text"))


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str


class NoteOut(msgspec.Struct):
    text: str
    answer_id: str
    at: datetime


@post("/v1/notes")
async def add_note(data: NoteIn, uow: UnitOfWork) -> NoteOut:
    async with uow.writing() as tx:
        await tx.session.execute(sa.insert(notes).values(text=data.text))
        await tx.record(
            events.make_event(events.OrgCreated(org_id=data.text, name=data.text, kind="partner"))
        )
    return NoteOut(text=data.text, answer_id=uuid.uuid4().hex, at=datetime.now(UTC))


def create() -> Litestar:
    """The app, from ``PEERLEARN_*`` variables (uvicorn's ``--factory``)."""
    settings = load_settings(ServiceSettings, "keyed", dict(os.environ))
    return create_service_app(settings, title="keyed", route_handlers=[add_note], migrations=MIGRATIONS)
