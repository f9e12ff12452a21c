"""Keeping this replica's index in step with what the other replicas change.

Every transaction that changes the index reloads what others changed before it reads anything
(:meth:`~peerlearn_matcher.adapters.index.LiveIndex.begin`), so nothing is computed from a stale
index. Between them, :func:`run_catch_up` looks at the log every ``catch_up_seconds``, so what
this replica serves from memory (answerers and related threads, planning, the circles) lags the
others by that much at most, and a replica that took no work for a while has little to reload
when it next does. It also forgets changes older than the log keeps
(:data:`~peerlearn_matcher.adapters.index_changes.KEPT`).
"""

from __future__ import annotations

import logging
import time

from peerlearn_matcher.adapters.index_changes import KEPT
from peerlearn_matcher.usecases.matcher import Matcher, run_rounds

log = logging.getLogger("peerlearn.matcher")


async def prune(matcher: Matcher) -> int:
    """Forget logged changes every replica has had time to reload; how many went."""
    async with matcher.uow.writing() as tx:
        return await matcher.index.log.prune(tx.session)


async def run_catch_up(matcher: Matcher) -> None:
    """Catch up every ``catch_up_seconds`` until cancelled; prune the log now and then."""
    await matcher.index.ready.wait()
    pruned_at = time.monotonic()

    async def look() -> None:
        nonlocal pruned_at
        await matcher.index.catch_up()
        if time.monotonic() - pruned_at > KEPT.total_seconds() / 4:
            pruned_at = time.monotonic()
            gone = await prune(matcher)
            if gone:
                log.info("forgot %d index changes older than %s", gone, KEPT)

    await run_rounds(
        look, matcher.settings.catch_up_seconds, "catching up with other replicas failed; retrying"
    )
