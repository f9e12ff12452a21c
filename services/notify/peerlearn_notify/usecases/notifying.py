"""Telling one person about one thing: only what they may see, once, by mail as they asked.

Called by the event handlers inside their apply-once transaction, so the notification, its
immediate mail (a row of the mail outbox) and the processed-event mark commit together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from peerlearn.bus import NotYet
from peerlearn.directory.caller import Caller, Where, may_see
from peerlearn.events import new_id
from peerlearn.unit_of_work import Transaction
from peerlearn_notify.adapters import inbox, mail_outbox
from peerlearn_notify.adapters.inbox import LastSeen
from peerlearn_notify.adapters.mail_attachments import Attachment, with_attachments
from peerlearn_notify.adapters.people import addresses_of, preferences_of_many
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
    # Set after a commit that queued an immediate mail: wakes the mail sender (run_every's wake).
    mail_queued: asyncio.Event | None = None

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
    """The person as the directory knows them; None when erased (they are told nothing)."""
    return (await recipients(tx, [person_id]))[person_id]


async def recipients(tx: Transaction, person_ids: Sequence[str]) -> dict[str, Caller | None]:
    """Each person as the directory knows them; None for the erased (they are told nothing).

    Their directory rows stay locked until the transaction ends (taken in id order, so two
    events about the same people never wait for each other in a circle): an erasure applied at
    the same time by the PROFILES consumer either commits first (and is seen here) or deletes
    after this insert — never misses a notification it cannot yet see (PostgreSQL's read
    committed). One person unknown yet makes the whole event wait for them.
    """
    people = DIRECTORY.t.people
    wanted = sorted(set(person_ids))
    await tx.session.execute(
        sa.select(people.c.id).where(people.c.id.in_(wanted)).order_by(people.c.id).with_for_update()
    )
    callers = await DIRECTORY.callers_of(tx.session, wanted)
    # every person the directory knows has an org
    unknown = [p for p, caller in callers.items() if caller.person_id is not None and caller.org_id is None]
    if unknown:
        raise RecipientNotKnownYet(f"person {', '.join(unknown)} not in the directory yet")
    return {p: None if caller.person_id is None else caller for p, caller in callers.items()}


async def notify(
    tx: Transaction,
    delivery: Delivery,
    *,
    person_ids: Sequence[str],
    kind: str,
    title: str,
    link: str,
    dedupe_key: str,
    where: Where | None,
    now: datetime,
    thread_id: str | None = None,
    details: mails.Details | None = None,
    attachments: Sequence[Attachment] = (),
) -> set[str]:
    """Add a notification for each of ``person_ids`` who may see ``where`` and has none with
    ``dedupe_key`` yet; schedule its mail by their settings; the people it was added for.
    ``details`` and ``attachments`` are only for the immediate mail (a digest lists the title).
    Several people told the same thing (a question's routed answerers) are read together: their
    directory rows, settings, addresses and mail counts once for them all."""
    callers = await recipients(tx, person_ids)
    told = [
        p
        for p in dict.fromkeys(person_ids)
        if (caller := callers[p]) is not None and (where is None or may_see(caller, where))
    ]
    if not told:
        return set()
    prefs = await preferences_of_many(tx.session, told)
    immediate = [p for p in told if prefs[p].mode_of(kind) == "immediate"]
    addresses = await addresses_of(tx.session, immediate) if immediate else {}
    stale = datetime.now(UTC) - now > delivery.stale_after
    capped = await _over_daily_cap(tx, delivery, prefs, [p for p in immediate if p in addresses], now)
    mail_of: dict[str, str] = {}
    send_at: dict[str, datetime] = {}
    for person_id in told:
        mode = prefs[person_id].mode_of(kind)
        address = addresses.get(person_id)
        mail_of[person_id] = mode
        if stale:
            mail_of[person_id] = "late"  # in the inbox, never mailed
        elif mode == "immediate" and kind in MAIL_ONLY_DETAILS and address:
            send_at[person_id] = end_of_quiet_hours(prefs[person_id], now)  # never rolled into a digest line
        elif mode == "immediate" and (
            person_id in capped
            or not await _may_mail_now(delivery, prefs[person_id], person_id, address, now)
        ):
            # Quiet hours, no address yet, over the cap or looking at the web app right now: it
            # rolls into the digest (marking it read there takes it out again).
            mail_of[person_id] = "daily"
    added = await inbox.add_all(
        tx.session,
        [
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
                "mail": mail_of[person_id],
            }
            for person_id in told
        ],
    )
    dismiss = delivery.not_my_area_url(thread_id) if kind == "question_routed" and thread_id else ""
    outgoing = []
    for person_id in told:
        address = addresses.get(person_id)
        if person_id not in added or mail_of[person_id] != "immediate" or not address:
            continue
        body = mails.single(
            mails.Item(kind=kind, title=title, link=link, dismiss_link=dismiss),
            delivery.settings_url(),
            delivery.unsubscribe_link(person_id, kind),
            details,
        )
        outgoing.append(
            mail_outbox.new_row(
                person_id=person_id,
                purpose="immediate",
                to=address,
                subject=body.subject,
                text=body.text,
                html=body.html,
                headers=with_attachments(list_headers(delivery, person_id, kind), attachments),
                now=now,
                send_at=send_at.get(person_id),
            )
        )
    await mail_outbox.enqueue_many(tx.session, outgoing)
    if outgoing and delivery.mail_queued is not None:
        tx.after_commit(delivery.mail_queued.set)
    return added


async def _over_daily_cap(
    tx: Transaction, delivery: Delivery, prefs: dict[str, Preferences], person_ids: list[str], now: datetime
) -> set[str]:
    """Who already had their immediate mails for today (each by their own local day)."""
    if not person_ids:
        return set()
    counts = await inbox.immediate_mails_since_each(
        tx.session, {p: start_of_local_day(prefs[p], now) for p in person_ids}
    )
    return {p for p in person_ids if counts.get(p, 0) >= delivery.immediate_mails_per_day}


async def _may_mail_now(
    delivery: Delivery, prefs: Preferences, person_id: str, address: str | None, now: datetime
) -> bool:
    if not address or in_quiet_hours(prefs, now):
        return False
    return delivery.last_seen is None or not await delivery.last_seen.active(person_id)
