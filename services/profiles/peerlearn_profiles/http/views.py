"""Records as the API shows them, cut to what the viewer may see."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from peerlearn_profiles.adapters.sign_in_store import SsoRecord
from peerlearn_profiles.adapters.store import OrgRecord, PersonRecord
from peerlearn_profiles.domain.sight import Sight
from peerlearn_profiles.http.schemas import Org, Person, PersonCard, SkillOut, SsoConfigured, SsoPublic

SsoView = TypeVar("SsoView", SsoConfigured, SsoPublic)


def org_view(org: OrgRecord) -> Org:
    return Org(id=org.id, name=org.name, kind=org.kind, created_at=org.created_at)  # type: ignore[arg-type]


def person_view(person: PersonRecord, sight: Sight) -> Person | PersonCard:
    """The whole profile (email only at ``Sight.FULL``), or a card for a fellow cohort member."""
    if sight is Sight.CARD:
        return PersonCard(
            id=person.id,
            org_id=person.org_id,
            display_name=person.display_name,
            goal=person.goal,
            skills=_skills(person),
        )
    return profile_view(person, with_email=sight is Sight.FULL)


def profile_view(person: PersonRecord, *, with_email: bool) -> Person:
    """The whole profile, with the email or without."""
    return Person(
        id=person.id,
        org_id=person.org_id,
        display_name=person.display_name,
        email=person.email if with_email else None,
        roles=list(person.roles),
        bio=person.bio,
        goal=person.goal,
        timezone=person.timezone,
        weekly_hours=person.weekly_hours,
        mentor_capacity=person.mentor_capacity,
        open_to_external=person.open_to_external,
        skills=_skills(person),
        cohort_ids=sorted(person.cohort_ids),
        created_at=person.created_at,
        updated_at=person.updated_at,
    )


def _skills(person: PersonRecord) -> list[SkillOut]:
    return [SkillOut(name=s.name, level=s.level, wants=s.wants) for s in person.skills]


def sso_view(record: SsoRecord, view: type[SsoView]) -> SsoView:
    """The SSO settings as ``view`` shows them: only its fields, so never the sealed secret
    (``SsoConfigured`` says only that one is set)."""
    shown = {name: getattr(record, name) for name in view.__struct_fields__ if hasattr(record, name)}
    if "client_secret_set" in view.__struct_fields__:
        shown["client_secret_set"] = bool(record.client_secret_sealed)
    return msgspec.convert(shown, view)
