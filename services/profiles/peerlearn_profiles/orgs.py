"""Use case: the platform admin creates an organisation (a partner company or a community)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events, outbox
from peerlearn.events import make_event, new_id
from peerlearn_profiles import store
from peerlearn_profiles.domain import Invalid, Viewer
from peerlearn_profiles.schemas import OrgCreate
from peerlearn_profiles.store import OrgRecord


async def create_org(session: AsyncSession, viewer: Viewer, data: OrgCreate) -> OrgRecord:
    """Create the org and record ``profiles.org.created``."""
    name = " ".join(data.name.split())
    if not name:
        raise Invalid("name must not be blank")
    org = OrgRecord(id=new_id(), name=name, kind=data.kind, created_at=store.now())
    await store.insert_org(session, org)
    created = events.OrgCreated(org_id=org.id, name=org.name, kind=data.kind)
    await outbox.record(session, make_event(created, org_id=org.id, actor_id=viewer.person_id))
    return org
