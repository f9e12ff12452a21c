"""One-click unsubscribe (RFC 8058): the token names the person and the kind; no sign-in."""

from __future__ import annotations

from dataclasses import replace

from peerlearn.errors import NotFound
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_notify.adapters.people import preferences_of, save_preferences
from peerlearn_notify.adapters.tables import DIRECTORY
from peerlearn_notify.domain.kinds import KINDS, Mode
from peerlearn_notify.domain.unsubscribe import ALL, read_token


async def describe(uow: UnitOfWork, secret: str, token: str) -> tuple[str, str]:
    """``(person_id, kind)`` the link would unsubscribe; changes nothing (link checkers GET it)."""
    person_id, kind = read_token(secret, token)
    async with uow.reading() as tx:
        if not await DIRECTORY.knows_person(tx.session, person_id):
            raise NotFound("no such unsubscribe link")
    return person_id, kind


async def unsubscribe(uow: UnitOfWork, secret: str, token: str) -> tuple[str, str]:
    """Turn the token's kind (every kind for "all") off for its person."""
    person_id, kind = read_token(secret, token)
    async with uow.writing() as tx:
        if not await DIRECTORY.knows_person(tx.session, person_id):
            raise NotFound("no such unsubscribe link")
        prefs = await preferences_of(tx.session, person_id)
        off: Mode = "off"
        changed = {k: off for k in (KINDS if kind == ALL else (kind,)) if k in KINDS}
        await save_preferences(tx.session, person_id, replace(prefs, modes={**prefs.modes, **changed}))
    return person_id, kind
