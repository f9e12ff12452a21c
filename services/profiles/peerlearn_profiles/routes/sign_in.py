"""Signing in: by mailed link, by an admin's link, by the org's single sign-on; the SSO settings.

``public_handlers`` go under the router without the token guard (asking for a link, redeeming
it, SSO, the org's SSO settings); ``handlers`` under the guarded API router.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.exceptions import TooManyRequestsException
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import authenticated
from peerlearn.mail import Mail, MailError
from peerlearn_profiles import sign_in, sso
from peerlearn_profiles.domain import Viewer, email_key
from peerlearn_profiles.schemas import (
    SignedIn,
    SignInCode,
    SignInEmail,
    SignInLink,
    SignInRequested,
    SsoConfigured,
    SsoPublic,
    SsoSettings,
    SsoSignIn,
)
from peerlearn_profiles.sign_in_kit import SignInKit

log = logging.getLogger("peerlearn.profiles.sign_in")

REQUESTED = SignInRequested(
    detail="if this address belongs to someone on peerlearn, a sign-in link is on its way; "
    "it works once, within 15 minutes"
)


async def _send(kit: SignInKit, mail: Mail) -> None:
    try:
        await kit.mailer.send(mail)
    except MailError as exc:
        # After the answer, so the caller cannot tell a known address by a failure; logged for operators.
        log.error("sign-in mail not sent: %s", exc)


def _signed_in(result: sign_in.SignedIn) -> SignedIn:
    return SignedIn(token=result.token.token, expires_at=result.token.expires_at, person_id=result.person_id)


@post(
    "/sign-in/email",
    status_code=HTTP_202_ACCEPTED,
    tags=["sign-in"],
    summary="Mail a single-use sign-in link (same answer whether or not the address is known)",
)
async def request_link(
    data: SignInEmail, request: Request[Any, Any, Any], db_session: AsyncSession, state: State
) -> Response[SignInRequested]:
    kit: SignInKit = state.sign_in
    ip = request.client.host if request.client else "unknown"
    wait = await kit.throttle.admit(email_key(data.email), ip)
    if wait is not None:
        raise TooManyRequestsException(
            detail=f"too many sign-in requests for this address or from this network; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    mail = await sign_in.request_mailed_link(db_session, data.email, public_url=kit.public_url)
    # The mail leaves after the answer (and after the commit): the answer takes as long either way.
    background = BackgroundTask(_send, kit, mail) if mail is not None else None
    return Response(REQUESTED, status_code=HTTP_202_ACCEPTED, background=background)


@post("/sign-in/verify", status_code=200, tags=["sign-in"], summary="Redeem a sign-in code for a token")
async def verify(data: SignInCode, db_session: AsyncSession, state: State) -> SignedIn:
    return _signed_in(await sign_in.redeem_code(db_session, data.code, state.sign_in.issuer))


@post("/sign-in/oidc", status_code=200, tags=["sign-in"], summary="Sign in with the org's OpenID provider")
async def sign_in_oidc(data: SsoSignIn, state: State) -> SignedIn:
    kit: SignInKit = state.sign_in
    result = await sign_in.sign_in_with_sso(
        state.database.reading,
        kit.checker,
        kit.issuer,
        org_id=data.org_id,
        id_token=data.id_token,
        nonce=data.nonce,
    )
    return _signed_in(result)


@get("/orgs/{org_id:str}/sso", tags=["sign-in"], summary="The public part of an org's single sign-on")
async def get_sso(org_id: str, state: State) -> SsoPublic:
    async with state.database.reading() as session:
        record = await sso.public_sso(session, org_id)
    return SsoPublic(
        org_id=record.org_id, issuer=record.issuer, client_id=record.client_id, enabled=record.enabled
    )


@put(
    "/orgs/{org_id:str}/sso",
    guards=[authenticated],
    tags=["sign-in"],
    summary="Set the org's single sign-on (org admin)",
)
async def put_sso(
    org_id: str, data: SsoSettings, db_session: AsyncSession, viewer: Viewer, state: State
) -> SsoConfigured:
    record = await sso.configure_sso(db_session, viewer, org_id, data, state.sign_in.sealer)
    return SsoConfigured(
        org_id=record.org_id,
        issuer=record.issuer,
        client_id=record.client_id,
        allowed_domains=record.allowed_domains,
        enabled=record.enabled,
        client_secret_set=True,
        updated_at=record.updated_at,
    )


@post(
    "/people/{person_id:str}/sign-in-link",
    tags=["sign-in"],
    summary="A fresh single-use sign-in link without mail (the person's org admins, the platform admin)",
)
async def make_link(person_id: str, db_session: AsyncSession, viewer: Viewer, state: State) -> SignInLink:
    link = await sign_in.link_for(db_session, viewer, person_id, public_url=state.sign_in.public_url)
    return SignInLink(url=link.url, expires_at=link.expires_at)


# PUT and GET of one path must live in one router (Litestar adds one OPTIONS handler per path):
# the PUT carries the token guard itself.
public_handlers = [request_link, verify, sign_in_oidc, get_sso, put_sso]
handlers = [make_link]
