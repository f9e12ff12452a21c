"""The forum's events as org webhooks hear them, chained after notify's own handlers in the
same apply-once transaction (so a delivery row commits with the event's processing, once).

Only questions of an org-wide space of the org (:func:`peerlearn_notify.domain.webhooks.org_wide`)
reach that org's webhooks; events applied long after they happened (a replay, a rebuild) are
not posted to any channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial

from peerlearn import events
from peerlearn.consuming import Apply
from peerlearn.directory.caller import Where
from peerlearn.unit_of_work import Transaction
from peerlearn_notify.adapters import webhook_store
from peerlearn_notify.adapters.tables import DIRECTORY
from peerlearn_notify.domain.webhooks import Happening, org_wide
from peerlearn_notify.usecases.notifying import Delivery
from peerlearn_notify.usecases.webhook_delivery import tell_webhooks, thread_link


def _fresh(delivery: Delivery, event: events.Event) -> bool:
    return datetime.now(UTC) - event.occurred_at <= delivery.stale_after


async def thread_changed(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """A question of an org-wide space is kept for the unanswered check; a new one is told."""
    data = event.data
    assert isinstance(data, events.ThreadSnapshot)
    where = Where(data.visibility, data.org_id, data.cohort_id)
    if data.kind != "question" or data.org_id is None or not org_wide(where, data.org_id):
        await webhook_store.forget_question(tx.session, data.thread_id)  # moved out of it, say
        return
    known = await webhook_store.question(tx.session, data.thread_id)
    await webhook_store.keep_question(
        tx.session,
        {
            "thread_id": data.thread_id,
            "org_id": data.org_id,
            "title": data.title[:300],
            "author_id": data.author_id,
            "tags": list(data.tags),
            "created_at": data.created_at or event.occurred_at,
            "answered": data.accepted_post_id is not None,
        },
    )
    if data.accepted_post_id is not None:
        await webhook_store.mark_answered(tx.session, data.thread_id)
    if known is not None or event.type != events.THREAD_CREATED or not _fresh(delivery, event):
        return
    names = await DIRECTORY.display_names(tx.session, {data.author_id})
    what = Happening(
        event="question_created",
        org_id=data.org_id,
        thread_id=data.thread_id,
        title=data.title,
        link=thread_link(delivery, data.thread_id),
        occurred_at=event.occurred_at,
        person_name=names.get(data.author_id),
        tags=tuple(data.tags),
    )
    await tell_webhooks(tx, what, f"created:{data.thread_id}", datetime.now(UTC))


async def thread_deleted(tx: Transaction, event: events.Event) -> None:
    """A deleted question is never reported unanswered."""
    data = event.data
    assert isinstance(data, events.ThreadDeleted)
    await webhook_store.forget_question(tx.session, data.thread_id)


async def post_created(tx: Transaction, event: events.Event) -> None:
    """An answer by someone other than the asker: the question is answered."""
    data = event.data
    assert isinstance(data, events.PostCreated)
    known = await webhook_store.question(tx.session, data.thread_id)
    if known is not None and data.author_id != (data.asker_id or known.author_id):
        await webhook_store.mark_answered(tx.session, data.thread_id)


async def answer_accepted(delivery: Delivery, tx: Transaction, event: events.Event) -> None:
    """An accepted answer to a question of an org-wide space is told to its org's webhooks."""
    data = event.data
    assert isinstance(data, events.AnswerAccepted)
    await webhook_store.mark_answered(tx.session, data.thread_id)
    where = Where(data.visibility, data.org_id, data.cohort_id)
    if data.org_id is None or not org_wide(where, data.org_id) or not _fresh(delivery, event):
        return
    names = await DIRECTORY.display_names(tx.session, {data.answer_author_id})
    what = Happening(
        event="answer_accepted",
        org_id=data.org_id,
        thread_id=data.thread_id,
        title=data.title,
        link=thread_link(delivery, data.thread_id),
        occurred_at=event.occurred_at,
        person_name=names.get(data.answer_author_id),
        tags=tuple(data.tags),
    )
    await tell_webhooks(tx, what, f"accepted:{data.post_id}", datetime.now(UTC))


def _then(first: Apply | None, second: Apply) -> Apply:
    async def both(tx: Transaction, event: events.Event) -> None:
        if first is not None:
            await first(tx, event)
        await second(tx, event)

    return both


def with_webhooks(handlers: Mapping[str, Apply], delivery: Delivery) -> dict[str, Apply]:
    """``handlers`` with the webhooks' work chained after each forum handler (and
    ``forum.thread.deleted`` added)."""
    ours: dict[str, Apply] = {
        events.THREAD_CREATED: partial(thread_changed, delivery),
        events.THREAD_UPDATED: partial(thread_changed, delivery),
        events.THREAD_DELETED: thread_deleted,
        events.POST_CREATED: post_created,
        events.ANSWER_ACCEPTED: partial(answer_accepted, delivery),
    }
    chained = dict(handlers)
    for subject, handler in ours.items():
        chained[subject] = _then(handlers.get(subject), handler)
    return chained
