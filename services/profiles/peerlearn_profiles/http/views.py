"""Records as the API shows them, cut to what the viewer may see."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from peerlearn_profiles.adapters.sign_in_store import SsoRecord
from peerlearn_profiles.adapters.store import OrgRecord, PersonRecord
from peerlearn_profiles.domain.sight import Sight
from peerlearn_profiles.http.schemas import Org, Person, PersonCard, SsoConfigured, SsoPublic

SsoView = TypeVar("SsoView", SsoConfigured, SsoPublic)


def org_view(org: OrgRecord) -> Org:
    return msgspec.convert(org, Org, from_attributes=True)


def person_view(person: PersonRecord, sight: Sight) -> Person | PersonCard:
    """The whole profile (email only at ``Sight.FULL``), or a card for a fellow cohort member."""
    if sight is Sight.CARD:
        return msgspec.convert(person, PersonCard, from_attributes=True)
    return profile_view(person, with_email=sight is Sight.FULL)


def profile_view(person: PersonRecord, *, with_email: bool) -> Person:
    """The whole profile, with the email or without."""
    profile = msgspec.convert(person, Person, from_attributes=True)
    profile.cohort_ids.sort()
    if not with_email:
        profile.email = None
    return profile


def sso_view(record: SsoRecord, view: type[SsoView]) -> SsoView:
    """The SSO settings as ``view`` shows them: only its fields, so never the sealed secret
    (``SsoConfigured`` says only that one is set)."""
    shown = {name: getattr(record, name) for name in view.__struct_fields__ if hasattr(record, name)}
    if "client_secret_set" in view.__struct_fields__:
        shown["client_secret_set"] = bool(record.client_secret_sealed)
    return msgspec.convert(shown, view)
