"""Follow-through: a routed question that nobody answers is routed to the next candidates.

When ``escalate_after`` has passed since a question was (last) routed and nobody but its asker
has answered it, it is routed again with ``answerers`` more people (the first ones keep their
suggestion; notify tells only the new ones, its dedupe key is per question), at most
:data:`~peerlearn_matcher.domain.routing.FOLLOW_UP_ROUNDS` times. An answer from anyone, an
accepted answer or the question's deletion ends it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from peerlearn_matcher.adapters import routing_rounds
from peerlearn_matcher.adapters.store import now
from peerlearn_matcher.domain.routing import FOLLOW_UP_ROUNDS
from peerlearn_matcher.usecases.matcher import Effects, Matcher, run_rounds
from peerlearn_matcher.usecases.suggestions import apply_effects

log = logging.getLogger("peerlearn.matcher")

# Looks for due questions at most this often (more often when escalate_after is short).
LOOK_EVERY = 60.0
# Questions routed again per look: a backlog (after an outage) goes out over several short
# transactions, not one that holds the writer for all of it.
PER_LOOK = 50


async def follow_through_due(matcher: Matcher, at: datetime | None = None) -> list[str]:
    """Route again every question due at ``at`` (default now); the questions routed again."""
    at = at or now()
    before = at - timedelta(seconds=matcher.settings.escalate_after)
    async with matcher.index.writing(matcher.uow) as tx:
        found = await routing_rounds.due(tx.session, before, FOLLOW_UP_ROUNDS, limit=PER_LOOK)
        due = [
            thread_id
            for thread_id in found
            if await routing_rounds.claim_round(
                tx.session, thread_id, at, before=before, max_rounds=FOLLOW_UP_ROUNDS
            )
        ]
        if due:
            await apply_effects(matcher, tx, Effects(threads=set(due)))
    return due


async def run_follow_through(matcher: Matcher) -> None:
    """Follow through on unanswered questions until cancelled (off when ``escalate_after`` is 0)."""
    after = matcher.settings.escalate_after
    if after <= 0:
        return
    await matcher.index.ready.wait()

    async def look() -> None:
        found = await follow_through_due(matcher)
        if found:
            log.info("routed %d unanswered questions to more people", len(found))

    await run_rounds(
        look, min(LOOK_EVERY, max(after / 4, 0.05)), "following through on questions failed; retrying"
    )
