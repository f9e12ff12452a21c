"""Person tokens, which the other services trust."""

from __future__ import annotations

from litestar import post

from peerlearn.auth import Principal
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters.sign_in_kit import SignInKit
from peerlearn_profiles.http.schemas import Token, TokenRequest
from peerlearn_profiles.usecases import tokens


@post("/tokens", tags=["tokens"], summary="A token for a person (platform admin or that person's org admin)")
async def issue_token(
    data: TokenRequest, uow: UnitOfWork, principal: Principal, sign_in_kit: SignInKit
) -> Token:
    return await tokens.issue_token(uow, principal, data.person_id, sign_in_kit.issuer)


handlers = [issue_token]
