"""Use cases on organisations: the platform admin creates one (a partner company or a community);
people who may know an org read it."""

from __future__ import annotations

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.errors import Forbidden
from peerlearn.events import make_event, new_id
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_profiles.adapters import store
from peerlearn_profiles.adapters.store import OrgRecord
from peerlearn_profiles.domain.people import clean_name
from peerlearn_profiles.http.schemas import Org, OrgCreate
from peerlearn_profiles.http.views import org_view
from peerlearn_profiles.usecases.access import viewer_of, visible_org


async def create_org(uow: UnitOfWork, principal: Principal, data: OrgCreate) -> Org:
    """Create the org and record ``profiles.org.created`` (the platform admin only)."""
    async with uow.writing() as tx:
        viewer = await viewer_of(tx.session, principal)
        if not viewer.platform_admin:
            raise Forbidden("only the platform admin may do this")
        name = clean_name(data.name, "name")
        org = OrgRecord(id=new_id(), name=name, kind=data.kind, created_at=store.now())
        await store.insert_org(tx.session, org)
        created = events.OrgCreated(org_id=org.id, name=org.name, kind=data.kind)
        await tx.record(make_event(created, org_id=org.id, actor_id=viewer.person_id))
    return org_view(org)


async def read_org(uow: UnitOfWork, principal: Principal, org_id: str) -> Org:
    """The org if the caller may know it (see :func:`~peerlearn_profiles.usecases.access.visible_org`)."""
    async with uow.reading() as tx:
        viewer = await viewer_of(tx.session, principal)
        return org_view(await visible_org(tx.session, viewer, org_id))
