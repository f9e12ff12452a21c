"""Use cases of an org's single sign-on settings: its admins set them, anyone reads the public part."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.auth import Principal
from peerlearn.errors import Forbidden, NotFound
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters import sign_in_store, store
from peerlearn_profiles.adapters.sign_in_store import SsoRecord
from peerlearn_profiles.adapters.sso_secrets import SecretSealer
from peerlearn_profiles.domain.people import check_text
from peerlearn_profiles.domain.sight import Viewer
from peerlearn_profiles.domain.sign_in import check_domains, check_issuer
from peerlearn_profiles.http.schemas import SsoSettings
from peerlearn_profiles.usecases.access import viewer_of, visible_org


async def configure_sso(
    uow: UnitOfWork, principal: Principal, org_id: str, data: SsoSettings, sealer: SecretSealer
) -> SsoRecord:
    """Set (or replace) the org's provider; only its admins and the platform admin may."""
    async with uow.writing() as tx:
        return await _configure(tx.session, await viewer_of(tx.session, principal), org_id, data, sealer)


async def _configure(
    session: AsyncSession, viewer: Viewer, org_id: str, data: SsoSettings, sealer: SecretSealer
) -> SsoRecord:
    await visible_org(session, viewer, org_id)
    if not viewer.administers(org_id):
        raise Forbidden("only an admin of this organisation may set its single sign-on")
    record = SsoRecord(
        org_id=org_id,
        issuer=check_issuer(data.issuer),
        client_id=check_text(data.client_id, "client_id").strip(),
        client_secret_sealed=sealer.seal(data.client_secret),
        allowed_domains=check_domains(data.allowed_domains),
        enabled=data.enabled,
        updated_at=store.now(),
    )
    await sign_in_store.put_sso(session, record)
    return record


async def public_sso(uow: UnitOfWork, org_id: str) -> SsoRecord:
    """The org's SSO settings (the caller shows only the public part); 404 when there are none."""
    async with uow.reading() as tx:
        record = await sign_in_store.get_sso(tx.session, org_id)
    if record is None:
        raise NotFound(f"organisation {org_id} has no single sign-on")
    return record
