"""Use case: a person token, minted by the platform admin or an admin of the person's org."""

from __future__ import annotations

from peerlearn.auth import Principal, TokenIssuer
from peerlearn.errors import Forbidden
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.http.schemas import Token
from peerlearn_profiles.usecases.access import viewer_of, visible_person


async def issue_token(uow: UnitOfWork, principal: Principal, person_id: str, issuer: TokenIssuer) -> Token:
    """A token naming the person, their org and their roles as they are now."""
    async with uow.reading() as tx:
        viewer = await viewer_of(tx.session, principal)
        person, _ = await visible_person(tx.session, viewer, person_id)
    if not viewer.administers(person.org_id):
        raise Forbidden("only an admin of the person's organisation or the platform admin may issue tokens")
    issued = issuer.issue(person.id, person.org_id, person.roles)
    return Token(token=issued.token, expires_at=issued.expires_at)
