"""Contact details (stream CONTACTS, subjects ``contacts.*``): email addresses, for notify only.

Profiles publishes them; only notify's NATS user may read the stream (DESIGN §2), so no other
service ever learns an address. A person's erasure is still ``profiles.person.deleted``.
"""

from __future__ import annotations

from peerlearn.events.base import Data

CONTACT_UPDATED = "contacts.person.updated"


class ContactUpdated(Data, frozen=True, kw_only=True):
    """A person's current address; ``email`` None means they have none (or withdrew it)."""

    person_id: str
    org_id: str
    email: str | None = None


# What this producer registers: (subject, version) -> payload type.
EVENTS: dict[tuple[str, int], type[Data]] = {
    (CONTACT_UPDATED, 1): ContactUpdated,
}

__all__ = ["CONTACT_UPDATED", "EVENTS", "ContactUpdated"]
