"""Telling one person about one thing: only what they may see, once, by mail as they asked.

Called by the event handlers inside their apply-once transaction, so the notification, its
immediate mail (a row of the mail outbox) and the processed-event mark commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from peerlearn.auth import Principal
from peerlearn.bus import NotYet
from peerlearn.directory.caller import Caller, Where, may_see
from peerlearn.events import new_id
from peerlearn.unit_of_work import Transaction
from peerlearn_notify.adapters import inbox, mail_outbox
from peerlearn_notify.adapters.inbox import LastSeen
from peerlearn_notify.adapters.mail_attachments import Attachment, with_attachments
from peerlearn_notify.adapters.people import address_of, preferences_of
from peerlearn_notify.adapters.tables import DIRECTORY
from peerlearn_notify.domain import mails
from peerlearn_notify.domain.kinds import MAIL_ONLY_DETAILS, Preferences
from peerlearn_notify.domain.timing import end_of_quiet_hours, in_quiet_hours, start_of_local_day
from peerlearn_notify.domain.unsubscribe import token_for


@dataclass(frozen=True)
class Delivery:
    """What deciding and writing mail needs, bound once by the composition root."""

    public_url: str  # the web app: links in notifications
    unsubscribe_url: str  # notify's /v1/unsubscribe, reachable from a mail client
    secret: str  # signs unsubscribe tokens
    immediate_mails_per_day: int
    # An event older than this when applied (a replay, a rebuild, a long outage) goes to the
    # inbox only: nobody gets mail about last week.
    stale_after: timedelta = timedelta(hours=1)
    # Who looked at their inbox lately (PEERLEARN_NOTIFY_ACTIVE_MINUTES): they see it there,
    # so they get no immediate mail; what they have not read by the digest goes into it.
    last_seen: LastSeen | None = None

    def settings_url(self) -> str:
        return f"{self.public_url.rstrip('/')}/settings/notifications"

    def not_my_area_url(self, thread_id: str) -> str:
        """The web page where a routed answerer dismisses a question (a confirm button: no
        mail client's link preview can dismiss it by fetching the link)."""
        return f"{self.public_url.rstrip('/')}/not-my-area/{thread_id}"

    def unsubscribe_link(self, person_id: str, kind: str) -> str:
        return f"{self.unsubscribe_url.rstrip('/')}/{token_for(self.secret, person_id, kind)}"


def list_headers(delivery: Delivery, person_id: str, kind: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for a mail about ``kind`` ("all" for digests)."""
    return {
        "List-Unsubscribe": f"<{delivery.unsubscribe_link(person_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class RecipientNotKnownYet(NotYet):
    """The person's profile has not reached notify's directory yet (PROFILES is consumed apart
    from FORUM and MATCHER): the event waits for it (retried with back-off for the consumer's
    patience, ten minutes), then is dead-lettered, visibly, instead of deciding what they may
    see as if they had no org."""


async def recipient(tx: Transaction, person_id: str) -> Caller | None:
    """The person as the directory knows them; None when erased (they are told nothing).

    Their directory row stays locked until the transaction ends: an erasure applied at the same
    time by the PROFILES consumer either commits first (and is seen here) or deletes after this
    insert — never misses a notification it cannot yet see (PostgreSQL's read committed).
    """
    people = DIRECTORY.t.people
    await tx.session.execute(sa.select(people.c.id).where(people.c.id == person_id).with_for_update())
    caller = await DIRECTORY.caller_for(tx.session, Principal(person_id=person_id, org_id=None))
    if caller.person_id is None:
        return None
    if caller.org_id is None:  # every person the directory knows has an org
        raise RecipientNotKnownYet(f"person {person_id} not in the directory yet")
    return caller


async def notify(
    tx: Transaction,
    delivery: Delivery,
    *,
    person_id: str,
    kind: str,
    title: str,
    link: str,
    dedupe_key: str,
    where: Where | None,
    now: datetime,
    thread_id: str | None = None,
    details: mails.Details | None = None,
    attachments: Sequence[Attachment] = (),
) -> bool:
    """Add a notification for ``person_id`` unless they may not see ``where`` or already have
    one with ``dedupe_key``; schedule its mail by their settings. True when added. ``details``
    and ``attachments`` are only for the immediate mail (a digest lists the title)."""
    caller = await recipient(tx, person_id)
    if caller is None or (where is not None and not may_see(caller, where)):
        return False
    prefs = await preferences_of(tx.session, person_id)
    mode = prefs.mode_of(kind)
    address = await address_of(tx.session, person_id) if mode == "immediate" else None
    mail: str = mode
    send_at = None
    if datetime.now(UTC) - now > delivery.stale_after:
        mail = "late"  # in the inbox, never mailed
    elif mode == "immediate" and kind in MAIL_ONLY_DETAILS and address:
        send_at = end_of_quiet_hours(prefs, now)  # never rolled into a digest line
    elif mode == "immediate" and not await _may_mail_now(tx, delivery, prefs, person_id, address, now):
        # Quiet hours, no address yet, over the cap or looking at the web app right now: it
        # rolls into the digest (marking it read there takes it out again).
        mail = "daily"
    added = await inbox.add(
        tx.session,
        {
            "id": new_id(),
            "person_id": person_id,
            "kind": kind,
            "title": title[:400],
            "link": link,
            "thread_id": thread_id,
            "dedupe_key": dedupe_key,
            "created_at": now,
            "read_at": None,
            "mail": mail,
        },
    )
    if added and mail == "immediate" and address:
        dismiss = delivery.not_my_area_url(thread_id) if kind == "question_routed" and thread_id else ""
        body = mails.single(
            mails.Item(kind=kind, title=title, link=link, dismiss_link=dismiss),
            delivery.settings_url(),
            delivery.unsubscribe_link(person_id, kind),
            details,
        )
        await mail_outbox.enqueue(
            tx.session,
            person_id=person_id,
            purpose="immediate",
            to=address,
            subject=body.subject,
            text=body.text,
            html=body.html,
            headers=with_attachments(list_headers(delivery, person_id, kind), attachments),
            now=now,
            send_at=send_at,
        )
    return added


async def _may_mail_now(
    tx: Transaction,
    delivery: Delivery,
    prefs: Preferences,
    person_id: str,
    address: str | None,
    now: datetime,
) -> bool:
    if not address or in_quiet_hours(prefs, now):
        return False
    if delivery.last_seen is not None and await delivery.last_seen.active(person_id):
        return False
    sent_today = await inbox.immediate_mails_since(tx.session, person_id, start_of_local_day(prefs, now))
    return sent_today < delivery.immediate_mails_per_day
