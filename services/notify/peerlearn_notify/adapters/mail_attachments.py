"""Files attached to a mail of the mail outbox (the ``.ics`` of a mentorship's introduction).

The outbox row has no column of its own for them (0002 predates attachments): they travel in
its ``headers`` JSON as one reserved entry, base64 in a JSON string, which
:func:`split_attachments` takes out again before the headers are written into the message.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

# Never a header of the sent message: taken out by split_attachments.
RESERVED = "X-Peerlearn-Attachments"


@dataclass(frozen=True)
class Attachment:
    """One attached file."""

    filename: str
    content_type: str  # "text/calendar; method=PUBLISH" style parameters are not kept
    content: bytes


def with_attachments(headers: dict[str, str], attachments: Sequence[Attachment]) -> dict[str, str]:
    """``headers`` plus the reserved entry carrying ``attachments`` (unchanged when none)."""
    if not attachments:
        return headers
    packed = [
        {"filename": a.filename, "type": a.content_type, "b64": base64.b64encode(a.content).decode()}
        for a in attachments
    ]
    return {**headers, RESERVED: json.dumps(packed)}


def split_attachments(headers: dict[str, str]) -> tuple[dict[str, str], list[Attachment]]:
    """The real headers and the attachments of an outbox row's ``headers``."""
    rest = {name: value for name, value in headers.items() if name != RESERVED}
    packed = json.loads(headers.get(RESERVED, "[]"))
    return rest, [
        Attachment(filename=p["filename"], content_type=p["type"], content=base64.b64decode(p["b64"]))
        for p in packed
    ]


def attach(message: EmailMessage, attachments: Sequence[Attachment]) -> None:
    """Add each file to ``message`` (it becomes multipart/mixed around the text and HTML)."""
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
