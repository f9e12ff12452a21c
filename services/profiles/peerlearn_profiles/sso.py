"""Use cases of an org's single sign-on settings: its admins set them, anyone reads the public part."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn_profiles import sign_in_store, store
from peerlearn_profiles.access import visible_org
from peerlearn_profiles.domain import Forbidden, NotFound, Viewer, check_text
from peerlearn_profiles.schemas import SsoSettings
from peerlearn_profiles.sign_in_rules import check_domains, check_issuer
from peerlearn_profiles.sign_in_store import SsoRecord
from peerlearn_profiles.sso_secrets import SecretSealer


async def configure_sso(
    session: AsyncSession, viewer: Viewer, org_id: str, data: SsoSettings, sealer: SecretSealer
) -> SsoRecord:
    """Set (or replace) the org's provider; only its admins and the platform admin may."""
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


async def public_sso(session: AsyncSession, org_id: str) -> SsoRecord:
    """The org's SSO settings (the caller shows only the public part); 404 when there are none."""
    record = await sign_in_store.get_sso(session, org_id)
    if record is None:
        raise NotFound(f"organisation {org_id} has no single sign-on")
    return record
