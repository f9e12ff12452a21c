"""Person tokens, which the other services trust."""

from __future__ import annotations

from datetime import timedelta

from litestar import post
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import TokenIssuer
from peerlearn_profiles.access import visible_person
from peerlearn_profiles.domain import Forbidden, Viewer
from peerlearn_profiles.schemas import Token, TokenRequest


@post("/tokens", tags=["tokens"], summary="A token for a person (platform admin or that person's org admin)")
async def issue_token(data: TokenRequest, db_session: AsyncSession, viewer: Viewer, state: State) -> Token:
    person, _ = await visible_person(db_session, viewer, data.person_id)
    if not viewer.administers(person.org_id):
        raise Forbidden("only an admin of the person's organisation or the platform admin may issue tokens")
    settings = state.settings
    issuer = TokenIssuer(settings.jwt_secret, ttl=timedelta(seconds=settings.jwt_ttl_seconds))
    issued = issuer.issue(person.id, person.org_id, person.roles)
    return Token(token=issued.token, expires_at=issued.expires_at)


handlers = [issue_token]
