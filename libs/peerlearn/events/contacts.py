"""Contact details (stream CONTACTS, subjects ``contacts.*``): email addresses, for notify only.

Profiles publishes them; only notify's NATS user may read the stream (DESIGN §2), so no other
service ever learns an address. Each person's contact goes on a subject of their own,
``contacts.person.updated.<person id>``, and the stream keeps one message per subject
(:data:`peerlearn.events.streams.KEEP_PER_SUBJECT`): it holds each person's newest address only,
and an erased person's is replaced by a contact without one (profiles publishes it with
``profiles.person.deleted``), so no address outlives its person's erasure in the stream.
"""

from __future__ import annotations

from typing import ClassVar

from peerlearn.events.base import Data

CONTACT_UPDATED = "contacts.person.updated"


class ContactUpdated(Data, frozen=True, kw_only=True):
    """A person's current address; ``email`` None means they have none (or withdrew it, or
    were erased)."""

    subject_key: ClassVar[str | None] = "person_id"

    person_id: str
    org_id: str
    email: str | None = None


# What this producer registers: (subject, version) -> payload type.
EVENTS: dict[tuple[str, int], type[Data]] = {
    (CONTACT_UPDATED, 1): ContactUpdated,
}

__all__ = ["CONTACT_UPDATED", "EVENTS", "ContactUpdated"]
