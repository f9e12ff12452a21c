"""Use cases of signing in: a mailed single-use link, an admin's link, an org's single sign-on.

Each ends in a person token (:class:`peerlearn.auth.TokenIssuer`), the same kind an admin
mints with ``POST /v1/tokens``. Sign-in is no domain fact other services consume: it
records no event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import IssuedToken, Principal, TokenIssuer
from peerlearn.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from peerlearn.mail import Mail
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters import sign_in_store, store
from peerlearn_profiles.adapters.sign_in_kit import SignInKit
from peerlearn_profiles.adapters.sign_in_mail import OrgLink, sign_in_mail
from peerlearn_profiles.adapters.sign_in_throttle import SignInThrottle
from peerlearn_profiles.domain.people import email_key
from peerlearn_profiles.domain.sign_in import (
    CODE_TTL,
    code_hash,
    domain_allowed,
    new_code,
    refusal,
    sign_in_url,
)
from peerlearn_profiles.usecases.access import viewer_of, visible_person


@dataclass(frozen=True)
class SignedIn:
    person_id: str
    token: IssuedToken


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


async def _fresh_code(session: AsyncSession, person_id: str, public_url: str) -> Link:
    code, now = new_code(), _now()
    await sign_in_store.replace_code(session, person_id, code_hash(code), now=now, expires_at=now + CODE_TTL)
    return Link(url=sign_in_url(public_url, code), expires_at=now + CODE_TTL)


async def request_mailed_link(
    uow: UnitOfWork, throttle: SignInThrottle, email: str, *, ip: str, public_url: str
) -> Mail | None:
    """A fresh code for every person with this address, and the one mail that carries them
    (None when nobody has the address: the caller answers the same either way). Known and
    unknown addresses count alike toward the limits."""
    wait = await throttle.admit(email_key(email), ip)
    if wait is not None:
        raise TooMany(
            f"too many sign-in requests for this address or from this network; try again in {wait} s",
            retry_after=wait,
        )
    async with uow.writing() as tx:
        holders = await sign_in_store.holders_of(tx.session, email_key(email))
        links = [
            OrgLink(holder.org_name, (await _fresh_code(tx.session, holder.person_id, public_url)).url)
            for holder in holders
        ]
    return sign_in_mail(holders[0].email, links) if holders else None


async def redeem_code(uow: UnitOfWork, code: str, issuer: TokenIssuer) -> SignedIn:
    """Use the code (once) and sign its person in; a used, replaced, expired or unknown code is
    :class:`~peerlearn.errors.Invalid` saying which."""
    hashed, now = code_hash(code), _now()
    async with uow.writing() as tx:
        person_id = await sign_in_store.consume(tx.session, hashed, now)
        if person_id is not None:
            return await _signed_in(tx.session, person_id, issuer=issuer)
    async with uow.reading() as tx:
        state, expires_at = await sign_in_store.code_state(tx.session, hashed) or (None, None)
    raise refusal(state, expires_at, now)


async def link_for(uow: UnitOfWork, principal: Principal, person_id: str, *, public_url: str) -> Link:
    """A fresh single-use link for the person, without mail (their org's admins, the platform admin)."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        person, _ = await visible_person(tx.session, viewer, person_id)
        if not viewer.administers(person.org_id):
            raise Forbidden(
                "only an admin of the person's organisation or the platform admin may make sign-in links"
            )
        return await _fresh_code(tx.session, person.id, public_url)


@dataclass(frozen=True)
class CodeGrant:
    """The provider's authorization code as the browser brought it back, with its PKCE verifier
    and the redirect URI of the authorization request (the provider checks both)."""

    code: str
    code_verifier: str
    redirect_uri: str


def sso_proof(
    *,
    id_token: str | None,
    code: str | None,
    code_verifier: str | None,
    redirect_uri: str | None,
) -> str | CodeGrant:
    """The one form of proof the caller sent: an ID token, or a code with its verifier and
    redirect URI; :class:`Invalid` naming what is missing or doubled."""
    grant_fields = {"code": code, "code_verifier": code_verifier, "redirect_uri": redirect_uri}
    given = [name for name, value in grant_fields.items() if value is not None]
    if id_token is not None and given:
        raise Invalid(
            f"send either id_token or code with code_verifier and redirect_uri, not both ({given[0]})"
        )
    if id_token is not None:
        return id_token
    missing = [name for name, value in grant_fields.items() if value is None]
    if len(missing) == len(grant_fields):
        raise Invalid("send the provider's code with code_verifier and redirect_uri (or an id_token)")
    if missing:
        raise Invalid(f"a code needs {' and '.join(missing)} too")
    assert code is not None and code_verifier is not None and redirect_uri is not None
    return CodeGrant(code=code, code_verifier=code_verifier, redirect_uri=redirect_uri)


def check_redirect_uri(redirect_uri: str, public_url: str) -> None:
    """The redirect URI must be a page of this site (under ``PEERLEARN_PUBLIC_URL``): a code issued
    for another client's redirect cannot be redeemed here with our secret."""
    base = urlsplit(public_url.rstrip("/"))
    uri = urlsplit(redirect_uri)
    same_site = (uri.scheme, uri.netloc.lower()) == (base.scheme, base.netloc.lower())
    if not same_site or not uri.path.startswith(base.path + "/") or uri.fragment or "/../" in uri.path:
        raise Invalid(f"redirect_uri {redirect_uri!r} is not a page of this site ({public_url})")


async def sign_in_with_sso(
    uow: UnitOfWork, kit: SignInKit, *, org_id: str, nonce: str, proof: str | CodeGrant
) -> SignedIn:
    """Verify the org's provider's ID token and sign in the org's person with its verified email.

    With a :class:`CodeGrant`, the code is first redeemed at the provider's token endpoint with the
    org's client secret (kept sealed; only profiles has it). Reads only; the provider is asked
    between two short read transactions, so no database lock is held while another server is.
    """
    if isinstance(proof, CodeGrant):
        check_redirect_uri(proof.redirect_uri, kit.public_url)
    async with uow.reading() as tx:
        sso = await sign_in_store.get_sso(tx.session, org_id)
        org = await store.get_org(tx.session, org_id)
    if sso is None or org is None or not sso.enabled:
        raise NotFound(f"organisation {org_id} has no single sign-on")
    if isinstance(proof, CodeGrant):
        secret = kit.sealer.open(sso.client_secret_sealed)
        if secret is None:  # sealed under an older PEERLEARN_JWT_SECRET
            raise Conflict(
                f"the single sign-on client secret of {org.name} can no longer be read here; "
                "an org admin should set it again"
            )
        id_token = await kit.exchanger.id_token(
            issuer=sso.issuer,
            client_id=sso.client_id,
            client_secret=secret,
            code=proof.code,
            code_verifier=proof.code_verifier,
            redirect_uri=proof.redirect_uri,
        )
    else:
        id_token = proof
    claims = await kit.checker.verify(id_token, issuer=sso.issuer, client_id=sso.client_id, nonce=nonce)
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise Forbidden("the provider did not share an email address (ask for the 'email' scope)")
    if claims.get("email_verified") is not True:
        raise Forbidden(f"the provider has not verified {email}; verify it there first")
    if not domain_allowed(email, sso.allowed_domains):
        raise Forbidden(
            f"{email}: single sign-on of {org.name} admits only {', '.join(sso.allowed_domains)} addresses"
        )
    async with uow.reading() as tx:
        person_id = await store.person_id_by_email(tx.session, org_id, email_key(email))
        if person_id is None:
            raise Forbidden(
                f"{email} is not a person of {org.name} on peerlearn; ask an admin of {org.name} to add you"
            )
        return await _signed_in(tx.session, person_id, issuer=kit.issuer)


async def _signed_in(session: AsyncSession, person_id: str, *, issuer: TokenIssuer) -> SignedIn:
    standing = await store.standing_of(session, person_id)
    if standing is None:  # erased in between (codes go with the person; this is the race)
        raise NotFound("the person of this sign-in no longer exists")
    org_id, roles = standing
    return SignedIn(person_id=person_id, token=issuer.issue(person_id, org_id, roles))
