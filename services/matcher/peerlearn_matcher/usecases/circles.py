"""Keeping the circles (:mod:`peerlearn_matcher.domain.circles`) in step with the forum, off the
event path.

Louvain over the whole help graph is too slow to run inside an event's transaction, and one
new answer seldom moves anyone's circle, so the circles are recomputed in the background:
at most every ``circles_seconds`` while ties changed, sooner once :data:`AFTER_TIES` answers or
acceptances came or went. The lock is held only to copy the ties and to swap the result in;
Louvain runs in a worker thread (networkx is pure Python, so it still shares the GIL: event
handling slows, never stops, while it runs, 7-26 s at 100,000 ties on the loaded 2-core
machine, bench/bridging.py). People whose circle changed get their lists refreshed by the
background refresher; lists that merely show them pick the change up at their next refresh.
"""

from __future__ import annotations

import asyncio
import logging
import time

from peerlearn_matcher.adapters import refresh_backlog, store
from peerlearn_matcher.domain.circles import Circles
from peerlearn_matcher.usecases.matcher import Matcher, run_rounds

log = logging.getLogger("peerlearn.matcher")

AFTER_TIES = 50  # answers or acceptances that make a recomputation due before its time
CHECK_SECONDS = 15.0  # how often the (cheap) tie count is looked at


async def recompute_circles(matcher: Matcher) -> set[str]:
    """Recompute the circles from the forum's ties now; queue and return whose circle changed.

    Circles that were never computed (the engine's empty start value) queue nobody: the live
    index computes them at start, before any event, from the ties the stored lists were made
    from, and the same ties give the same circles.
    """
    index = matcher.index
    async with index.lock:
        ties, mark = index.engine.help_ties(), index.engine.forum_mark()
    circles = await asyncio.to_thread(Circles.of_ties, ties, mark)
    async with index.lock:
        engine = index.engine
        for person_id in [p for p in circles.of if p not in engine.people]:  # erased meanwhile
            circles = circles.without(person_id)
        before, engine.circles = engine.circles, circles
    moved = circles.moved(before) & set(engine.people.records) if before.computed else set()
    if moved:
        # Every replica computes the same circles and queues the same people: queued once.
        async with matcher.uow.writing() as tx:
            await refresh_backlog.queue(tx.session, moved, store.now())
        matcher.backlog.add(moved)
    return moved


async def run_circles(matcher: Matcher, every: float, check: float = CHECK_SECONDS) -> None:
    """Recompute the circles when due (see the module) until cancelled; errors are logged, retried.

    The check compares the forum's cheap mark with the circles' own, not the ties: copying
    100,000 ties holds the loop for about a quarter of a second on a loaded machine
    (bench/bridging.py), too long to do every few seconds.
    """
    await matcher.index.ready.wait()
    last = time.monotonic()  # the live index computed them at start

    async def recompute_if_due() -> None:
        nonlocal last
        engine = matcher.index.engine
        mark, done = engine.forum_mark(), engine.circles.mark
        changed = sum(abs(a - b) for a, b in zip(mark, done, strict=False)) if done else AFTER_TIES
        due = time.monotonic() - last >= every
        if not engine.circles.computed or (mark != done and (due or changed >= AFTER_TIES)):
            moved = await recompute_circles(matcher)
            last = time.monotonic()
            log.info("circles recomputed: %d people moved", len(moved))

    await run_rounds(recompute_if_due, check, "recomputing the circles failed; retrying")
