"""Use cases of signing in: a mailed single-use link, an admin's link, an org's single sign-on.

Each ends in a person token (:class:`peerlearn.auth.TokenIssuer`), the same kind an admin
mints with ``POST /v1/tokens``. Sign-in is no domain fact other services consume: it
records no event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import IssuedToken, Principal, TokenIssuer
from peerlearn.errors import Forbidden, NotFound, TooMany
from peerlearn.mail import Mail
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters import sign_in_store, store
from peerlearn_profiles.adapters.id_tokens import IdTokenChecker
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
            return await _signed_in(tx.session, person_id, issuer)
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


async def sign_in_with_sso(
    uow: UnitOfWork,
    checker: IdTokenChecker,
    issuer: TokenIssuer,
    *,
    org_id: str,
    id_token: str,
    nonce: str,
) -> SignedIn:
    """Verify the org's provider's ID token and sign in the org's person with its verified email.

    Reads only; the provider's keys are fetched between two short read transactions, so no
    database lock is held while another server is asked.
    """
    async with uow.reading() as tx:
        sso = await sign_in_store.get_sso(tx.session, org_id)
        org = await store.get_org(tx.session, org_id)
    if sso is None or org is None or not sso.enabled:
        raise NotFound(f"organisation {org_id} has no single sign-on")
    claims = await checker.verify(id_token, issuer=sso.issuer, client_id=sso.client_id, nonce=nonce)
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
        return await _signed_in(tx.session, person_id, issuer)


async def _signed_in(session: AsyncSession, person_id: str, issuer: TokenIssuer) -> SignedIn:
    standing = await store.standing_of(session, person_id)
    if standing is None:  # erased in between (codes go with the person; this is the race)
        raise NotFound("the person of this sign-in no longer exists")
    org_id, roles = standing
    return SignedIn(person_id=person_id, token=issuer.issue(person_id, org_id, roles))
