"""The profiles API's request and response bodies (msgspec Structs).

Request bodies forbid unknown fields and carry their limits as ``msgspec.Meta``, so a
bad body is a 400 naming the field before any handler runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from peerlearn.events import OrgKind, Role

# No control characters in one-line text; free text may hold tabs and newlines.
LINE = r"^[^\x00-\x1f\x7f]*$"
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Id = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE)]
DisplayName = Annotated[str, Meta(min_length=1, max_length=120, pattern=LINE)]
Email = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=254,
        pattern=r"^\s*[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+\s*$",
    ),
]
Bio = Annotated[str, Meta(max_length=2000, pattern=TEXT)]
Goal = Annotated[str, Meta(max_length=300, pattern=TEXT)]
Timezone = Annotated[str, Meta(min_length=1, max_length=64, pattern=LINE)]
Hours = Annotated[float, Meta(ge=0, le=168)]
Capacity = Annotated[int, Meta(ge=0, le=100)]
Level = Annotated[int, Meta(ge=1, le=5)]
Roles = Annotated[list[Role], Meta(max_length=4)]
Topic = Annotated[str, Meta(max_length=300, pattern=TEXT)]


class SkillIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A skill: ``wants`` true means the person wants to learn it; ``level`` is where they are now."""

    name: Annotated[str, Meta(min_length=1, max_length=60, pattern=LINE)]
    level: Level
    wants: bool = False


Skills = Annotated[list[SkillIn], Meta(max_length=50)]


class OrgCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    kind: OrgKind = "partner"


class Org(msgspec.Struct, kw_only=True):
    id: str
    name: str
    kind: OrgKind
    created_at: datetime


class PersonCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    display_name: DisplayName
    email: Email
    roles: Roles = msgspec.field(default_factory=lambda: ["learner"])
    bio: Bio = ""
    goal: Goal = ""
    timezone: Timezone = "UTC"
    weekly_hours: Hours = 0.0
    mentor_capacity: Capacity = 0
    open_to_external: bool = False
    skills: Skills = msgspec.field(default_factory=list)


class PersonUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A partial update: a field left out keeps its value; ``skills`` replaces the whole list."""

    display_name: DisplayName | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    roles: Roles | UnsetType = UNSET
    bio: Bio | UnsetType = UNSET
    goal: Goal | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    weekly_hours: Hours | UnsetType = UNSET
    mentor_capacity: Capacity | UnsetType = UNSET
    open_to_external: bool | UnsetType = UNSET
    skills: Skills | UnsetType = UNSET


class SkillOut(msgspec.Struct, kw_only=True):
    name: str
    level: int
    wants: bool


class Person(msgspec.Struct, kw_only=True, tag="person"):
    """A person as their org sees them; ``email`` only for themselves and admins."""

    id: str
    org_id: str
    display_name: str
    email: str | None = None
    roles: list[str]
    bio: str
    goal: str
    timezone: str
    weekly_hours: float
    mentor_capacity: int
    open_to_external: bool
    skills: list[SkillOut]
    cohort_ids: list[str]
    created_at: datetime
    updated_at: datetime


class PersonCard(msgspec.Struct, kw_only=True, tag="card"):
    """A person of another org as a fellow cohort member sees them: never the email."""

    id: str
    org_id: str
    display_name: str
    goal: str
    skills: list[SkillOut]


class PeoplePage(msgspec.Struct, kw_only=True):
    items: list[Person | PersonCard]
    next_cursor: str | None = None


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    person_id: Id


class Token(msgspec.Struct, kw_only=True):
    token: str
    expires_at: datetime


class CohortCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new cohort; ``owner_org_id`` defaults to the caller's org (the platform admin must give it)."""

    name: DisplayName
    topic: Topic = ""
    starts_on: date | None = None
    ends_on: date | None = None
    owner_org_id: Id | None = None


class Cohort(msgspec.Struct, kw_only=True):
    """A cohort; ``member_person_ids`` lists everyone only for members (others: their own org's)."""

    id: str
    name: str
    owner_org_id: str
    topic: str
    starts_on: date | None
    ends_on: date | None
    member_org_ids: list[str]
    invited_org_ids: list[str]
    member_person_ids: list[str]
    created_at: datetime


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    org_id: Id


class Invitation(msgspec.Struct, kw_only=True):
    cohort_id: str
    org_id: str
    status: Literal["invited", "member", "declined", "left"]


class Membership(msgspec.Struct, kw_only=True):
    cohort_id: str
    person_id: str
    org_id: str


class RejectedRow(msgspec.Struct, kw_only=True):
    line: int
    reason: str


class ImportedRow(msgspec.Struct, kw_only=True):
    line: int
    id: str
    email: str
    outcome: Literal["created", "updated", "unchanged"]


class ImportReport(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedRow]
    people: list[ImportedRow]


# --- sign-in -------------------------------------------------------------------------

Code = Annotated[str, Meta(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Url = Annotated[str, Meta(min_length=8, max_length=500, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")]
Domain = Annotated[str, Meta(min_length=3, max_length=253, pattern=LINE)]


class SignInEmail(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email


class SignInRequested(msgspec.Struct, kw_only=True):
    """The same answer whether or not the address is known (no one learns who is here)."""

    detail: str


class SignInCode(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    code: Code


class SignedIn(Token, kw_only=True):
    """A token, and the person it names."""

    person_id: str


class SignInLink(msgspec.Struct, kw_only=True):
    """A single-use sign-in link (valid 15 minutes), for onboarding without mail."""

    url: str
    expires_at: datetime


class SsoSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An org's OpenID Connect provider. ``client_secret`` is kept sealed and never shown again."""

    issuer: Url
    client_id: Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE)]
    client_secret: Annotated[str, Meta(min_length=1, max_length=500, pattern=LINE)]
    allowed_domains: Annotated[list[Domain], Meta(min_length=1, max_length=20)]
    enabled: bool = True


class SsoConfigured(msgspec.Struct, kw_only=True):
    """The org's SSO settings as its admins see them: everything but the secret."""

    org_id: str
    issuer: str
    client_id: str
    allowed_domains: list[str]
    enabled: bool
    client_secret_set: bool
    updated_at: datetime


class SsoPublic(msgspec.Struct, kw_only=True):
    """What the web app needs before anyone signs in."""

    org_id: str
    issuer: str
    client_id: str
    enabled: bool


OidcText = Annotated[str, Meta(min_length=8, max_length=500, pattern=r"^[\x21-\x7e]+$")]


class SsoProviderDown(msgspec.Struct, kw_only=True):
    """502: the org's provider could not be asked, or refused this org's client (its detail says which)."""

    status_code: int
    detail: str


class SsoSignIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Either the provider's authorization code with its PKCE verifier and redirect URI (profiles
    redeems it with the org's client secret), or an ID token the caller already holds; and the
    nonce the web app sent in the authorization request. Exactly one of the two forms."""

    org_id: Id
    nonce: Annotated[str, Meta(min_length=8, max_length=200, pattern=LINE)]
    code: OidcText | None = None
    # RFC 7636 §4.1: 43 to 128 unreserved characters.
    code_verifier: (
        Annotated[str, Meta(min_length=43, max_length=128, pattern=r"^[A-Za-z0-9._~-]+$")] | None
    ) = None
    redirect_uri: Url | None = None
    id_token: Annotated[str, Meta(min_length=10, max_length=20_000, pattern=r"^[A-Za-z0-9_\-.]+$")] | None = (
        None
    )
