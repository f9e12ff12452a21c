"""A person's suggestions: recomputing them when something changed, and reading them.

Recomputed lists are stored and announced (``matcher.suggestions.updated``, through the
transaction's outbox) in the transaction of the change that caused them, and pushed to open
streams after it commits. The background refresher recomputes the people a change touched
only indirectly, in batches, so one profile change never holds the lock for a whole fan-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from peerlearn import events
from peerlearn.auth import Principal
from peerlearn.directory.caller import Caller
from peerlearn.errors import NotFound, Unauthenticated
from peerlearn.loop_reads import reading
from peerlearn.read_cache import read_cache_for
from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters import refresh_backlog, store
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.adapters.metrics import SUGGESTION_SECONDS
from peerlearn_matcher.adapters.suggestion_store import StoredSuggestion
from peerlearn_matcher.domain.engine import PERSON_KINDS
from peerlearn_matcher.domain.suggesting import suggest
from peerlearn_matcher.usecases import routing
from peerlearn_matcher.usecases.matcher import Effects, Matcher

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("peerlearn.matcher")


async def apply_effects(matcher: Matcher, tx: Transaction, effects: Effects) -> None:
    """Recompute and store what ``effects`` names; push the new lists to open streams after commit."""
    if matcher.defer_refresh:
        return
    engine = matcher.index.engine
    matcher.index.roll_week()
    lists: set[str] = set(effects.republish)
    for thread_id in sorted(effects.threads):
        await matcher.index.changed(tx, "routed", thread_id)  # before: a rollback reloads it
        lists |= await routing.route_thread(matcher, tx, thread_id)
    for person_id in sorted(effects.people):
        if person_id in engine.people and await refresh(matcher, tx, person_id):
            lists.add(person_id)
    updates = []
    for person_id in sorted(lists):
        if person_id not in engine.people:
            continue
        update = await current_list(tx, person_id)
        event = await matcher.announce(tx, update, org_id=engine.people.records[person_id].org_id)
        updates.append((update, event.occurred_at if event is not None else None))
    if updates:

        def push() -> None:
            for update, at in updates:
                matcher.feed.publish(update, at)

        tx.after_commit(push)
    later = effects.later - effects.people
    if later:
        # Queued with the change, so a replica dying before its refresher gets to them loses none.
        await refresh_backlog.queue(tx.session, later, store.now())
        tx.after_commit(lambda: matcher.backlog.add(later))


async def refresh(matcher: Matcher, tx: Transaction, person_id: str) -> bool:
    """Recompute one person's peer, mentor and expert suggestions; store them if they changed."""
    index = matcher.index
    engine = index.engine
    with SUGGESTION_SECONDS.time():
        scored = suggest(engine, person_id)
    signature = tuple(
        (s.kind, s.candidate_id, round(s.score, 4), tuple(r.text for r in s.reasons)) for s in scored
    )
    if index.signatures.get(person_id) == signature:
        return False
    await index.changed(tx, "list", person_id)  # first: a rollback then forgets the signature too
    index.signatures[person_id] = signature
    created = store.now()
    ranks: dict[str, int] = {}
    rows = []
    for item in scored:
        ranks[item.kind] = ranks.get(item.kind, 0) + 1
        rows.append(
            {
                "id": events.new_id(),
                "kind": item.kind,
                "candidate_id": item.candidate_id,
                "thread_id": None,
                "score": round(item.score, 6),
                "rank": ranks[item.kind],
                "reasons": item.reasons,
                "features": [round(f, 6) for f in item.features],
                "created_at": created,
            }
        )
    await suggested.replace_open(tx.session, person_id, rows, kinds=PERSON_KINDS)
    for kind in ("mentor", "expert"):
        chosen = [s.candidate_id for s in scored if s.kind == kind]
        for candidate in chosen:
            engine.exposures[(kind, candidate)].add(person_id)
        await suggested.add_exposures(tx.session, kind, person_id, chosen, index.week)
    return True


async def current_list(tx: Transaction, person_id: str) -> events.SuggestionsUpdated:
    """A person's open suggestions as the event (and the stream) carries them."""
    stored = await suggested.open_suggestions(tx.session, person_id)
    return events.SuggestionsUpdated(
        person_id=person_id,
        suggestions=[
            events.SuggestionItem(
                id=s.id,
                kind=s.kind,  # type: ignore[arg-type]
                candidate_id=s.candidate_id,
                thread_id=s.thread_id,
                score=s.score,
                reasons=s.reasons,
            )
            for s in stored
        ],
    )


async def require_own(matcher: Matcher, tx: Transaction, principal: Principal | None, person_id: str) -> None:
    """Only the person themselves (as the directory knows them) and the platform admin; 404 otherwise."""
    await _require_own(matcher, tx.session, principal, person_id)


async def _require_own(
    matcher: Matcher, session: AsyncSession, principal: Principal | None, person_id: str
) -> None:
    caller = await matcher.directory.caller_for(session, principal)
    if not _owns(caller, person_id):
        raise NotFound(f"no person {person_id}")


async def require_person(matcher: Matcher, principal: Principal | None, person_id: str) -> None:
    """404 unless the caller is ``person_id`` (or the platform admin); 401 for an erased person's token.

    A live stream outlives the request that opened it, so a token that names nobody any more
    is refused outright rather than answered as an anonymous reader would be.
    """
    async with matcher.uow.reading() as tx:
        caller = await matcher.directory.caller_for(tx.session, principal)
        if principal is not None and principal.person_id is not None and caller.person_id is None:
            raise Unauthenticated("the person of this token no longer exists")
        await require_own(matcher, tx, principal, person_id)


async def list_suggestions(
    matcher: Matcher, principal: Principal | None, person_id: str, kind: str | None, offset: int, limit: int
) -> tuple[list[StoredSuggestion], bool]:
    """One page of a person's open suggestions, best first within each kind; and whether more follow.

    The caller and the page's rows are kept per content version (``peerlearn.read_cache``): every
    write to the directory or to suggestions bumps it, so a person reading their list again while
    nothing changed costs a version read and two lookups. The rows are the same for everyone who
    may read them (the person and the platform admin); who may is checked on every read.
    """
    cache = read_cache_for(matcher.uow.database)
    version = await cache.current()
    caller_key = ("caller", principal.person_id, principal.platform_admin) if principal else "anonymous"
    page_key = ("suggestions", person_id, kind, offset, limit)
    caller: Caller | None = cache.get(caller_key, version)
    found: list[StoredSuggestion] | None = cache.get(page_key, version)
    if caller is None or (found is None and _owns(caller, person_id)):
        async with reading(matcher.uow) as session:
            if caller is None:
                caller = await matcher.directory.caller_for(session, principal)
                cache.put(caller_key, version, caller)
            if found is None and _owns(caller, person_id):
                found = await suggested.open_suggestions(
                    session, person_id, kind, offset=offset, limit=limit + 1
                )
                cache.put(page_key, version, found)
    if found is None or not _owns(caller, person_id):
        raise NotFound(f"no person {person_id}")
    return found[:limit], len(found) > limit


def _owns(caller: Caller, person_id: str) -> bool:
    """Whether ``caller`` may read ``person_id``'s suggestions (themselves, or the platform admin)."""
    return caller.platform_admin or (caller.person_id is not None and caller.person_id == person_id)


async def opening_list(
    matcher: Matcher, principal: Principal | None, person_id: str
) -> events.SuggestionsUpdated | None:
    """What a new stream of a person's suggestions starts with (None for a person not known)."""
    async with matcher.uow.reading() as tx:
        await require_own(matcher, tx, principal, person_id)
        if person_id not in matcher.index.engine.people:
            return None
        return await current_list(tx, person_id)


def candidate_name(matcher: Matcher, person_id: str) -> str:
    """The display name of a person the matcher knows ("" for anyone else)."""
    record = matcher.index.engine.people.records.get(person_id)
    return record.profile.display_name if record is not None else ""


async def refresh_everyone(matcher: Matcher, person_ids: Iterable[str] | None = None) -> None:
    """Recompute every person's suggestions and every open question's answerers (after a replay)."""
    engine = matcher.index.engine
    async with matcher.index.writing(matcher.uow) as tx:
        await apply_effects(
            matcher,
            tx,
            Effects(
                people=set(person_ids if person_ids is not None else engine.people.records),
                threads={t.id for t in engine.threads.values() if t.kind == "question"},
            ),
        )


async def run_refresher(matcher: Matcher, batch: int = 20) -> None:
    """Refresh the people changes touched indirectly, in batches, until cancelled.

    Repeated touches of one person coalesce under load; a failed batch stays queued and is
    retried, never lost. Woken by this process's own queueing, and every ``catch_up_seconds``
    to take what other replicas queued (or left queued when they died).
    """
    backlog = matcher.backlog
    await matcher.index.ready.wait()
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(backlog.wake.wait(), matcher.settings.catch_up_seconds)
        backlog.wake.clear()
        while True:
            seen = set(backlog.pending)
            try:
                async with matcher.index.database.reading() as session:
                    waiting = await refresh_backlog.queued(session)
                if not waiting:
                    backlog.pending -= seen  # refreshed, here or by another replica
                    break
                backlog.refreshing = True
                async with matcher.index.writing(matcher.uow) as tx:
                    chosen = await refresh_backlog.take(tx.session, batch)
                    await apply_effects(matcher, tx, Effects(people=set(chosen)))
                backlog.pending.difference_update(chosen)
                # Let other writers (the outbox relay, HTTP feedback) take the database lock.
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background refresh failed; retrying")
                await asyncio.sleep(1.0)
            finally:
                backlog.refreshing = False
