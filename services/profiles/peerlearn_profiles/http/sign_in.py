"""Signing in: by mailed link, by an admin's link, by the org's single sign-on; the SSO settings.

``public_handlers`` go under the router without the token guard (asking for a link, redeeming
it, SSO, the org's SSO settings); ``handlers`` under the guarded API router.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_502_BAD_GATEWAY

from peerlearn.auth import Principal, authenticated
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters.sign_in_kit import SignInKit
from peerlearn_profiles.adapters.sign_in_mail import deliver_quietly
from peerlearn_profiles.http.schemas import (
    SignedIn,
    SignInCode,
    SignInEmail,
    SignInLink,
    SignInRequested,
    SsoConfigured,
    SsoProviderDown,
    SsoPublic,
    SsoSettings,
    SsoSignIn,
)
from peerlearn_profiles.http.views import sso_view
from peerlearn_profiles.usecases import sign_in, sso

REQUESTED = SignInRequested(
    detail="if this address belongs to someone on peerlearn, a sign-in link is on its way; "
    "it works once, within 15 minutes"
)


def _signed_in(result: sign_in.SignedIn) -> SignedIn:
    return SignedIn(token=result.token.token, expires_at=result.token.expires_at, person_id=result.person_id)


@post(
    "/sign-in/email",
    status_code=HTTP_202_ACCEPTED,
    tags=["sign-in"],
    summary="Mail a single-use sign-in link (same answer whether or not the address is known)",
)
async def request_link(
    data: SignInEmail, request: Request[Any, Any, Any], uow: UnitOfWork, sign_in_kit: SignInKit
) -> Response[SignInRequested]:
    ip = request.client.host if request.client else "unknown"
    mail = await sign_in.request_mailed_link(
        uow, sign_in_kit.throttle, data.email, ip=ip, public_url=sign_in_kit.public_url
    )
    # The mail leaves after the answer (and after the commit): the answer takes as long either way.
    background = BackgroundTask(deliver_quietly, sign_in_kit.mailer, mail) if mail is not None else None
    return Response(REQUESTED, status_code=HTTP_202_ACCEPTED, background=background)


@post("/sign-in/verify", status_code=200, tags=["sign-in"], summary="Redeem a sign-in code for a token")
async def verify(data: SignInCode, uow: UnitOfWork, sign_in_kit: SignInKit) -> SignedIn:
    return _signed_in(await sign_in.redeem_code(uow, data.code, sign_in_kit.issuer))


@post(
    "/sign-in/oidc",
    status_code=200,
    tags=["sign-in"],
    summary="Sign in with the org's OpenID provider: its authorization code (redeemed here with the "
    "org's client secret) or its ID token",
    responses={
        HTTP_502_BAD_GATEWAY: ResponseSpec(
            data_container=SsoProviderDown,
            description="the org's provider could not be asked, or refused this org's client",
        )
    },
)
async def sign_in_oidc(data: SsoSignIn, uow: UnitOfWork, sign_in_kit: SignInKit) -> SignedIn:
    proof = sign_in.sso_proof(
        id_token=data.id_token,
        code=data.code,
        code_verifier=data.code_verifier,
        redirect_uri=data.redirect_uri,
    )
    result = await sign_in.sign_in_with_sso(
        uow, sign_in_kit, org_id=data.org_id, nonce=data.nonce, proof=proof
    )
    return _signed_in(result)


@get("/orgs/{org_id:str}/sso", tags=["sign-in"], summary="The public part of an org's single sign-on")
async def get_sso(org_id: str, uow: UnitOfWork) -> SsoPublic:
    return sso_view(await sso.public_sso(uow, org_id), SsoPublic)


@put(
    "/orgs/{org_id:str}/sso",
    guards=[authenticated],
    tags=["sign-in"],
    summary="Set the org's single sign-on (org admin)",
)
async def put_sso(
    org_id: str, data: SsoSettings, uow: UnitOfWork, principal: Principal, sign_in_kit: SignInKit
) -> SsoConfigured:
    return sso_view(await sso.configure_sso(uow, principal, org_id, data, sign_in_kit.sealer), SsoConfigured)


@post(
    "/people/{person_id:str}/sign-in-link",
    tags=["sign-in"],
    summary="A fresh single-use sign-in link without mail (the person's org admins, the platform admin)",
)
async def make_link(
    person_id: str, uow: UnitOfWork, principal: Principal, sign_in_kit: SignInKit
) -> SignInLink:
    link = await sign_in.link_for(uow, principal, person_id, public_url=sign_in_kit.public_url)
    return SignInLink(url=link.url, expires_at=link.expires_at)


# PUT and GET of one path must live in one router (Litestar adds one OPTIONS handler per path):
# the PUT carries the token guard itself.
public_handlers = [request_link, verify, sign_in_oidc, get_sso, put_sso]
handlers = [make_link]
