"""The statement sender: a task of the app's lifespan that posts the statement outbox to each
org's LRS (or the default one), every LRS side by side so that one down or slow LRS delays no
other, with a capped exponential back-off per LRS while it is down.

Nothing is lost: a row leaves ``pending`` only after the LRS answered. Nothing is stored twice:
statement ids are derived from the act, so a batch posted again after a crash (posted, not yet
marked) is a duplicate the LRS drops, or answers 409 for, which counts as sent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa

from peerlearn.sealing import SecretSealer
from peerlearn.unit_of_work import UnitOfWork
from peerlearn_insights.adapters import statement_outbox as box
from peerlearn_insights.adapters.lrs_client import Destination, LrsClient
from peerlearn_insights.adapters.tables import directory, org_lrs
from peerlearn_insights.domain.delivery import Place, backoff, org_may_see, outcome, title_goes
from peerlearn_insights.domain.xapi import statement

log = logging.getLogger("peerlearn.insights.xapi")
DEFAULT = "default"


@dataclass
class StatementSender:
    """Posts due statements in batches, one delivery in flight per LRS."""

    uow: UnitOfWork
    client: LrsClient
    sealer: SecretSealer
    public_url: str
    default: Destination | None
    batch_size: int = 100
    retry_seconds: float = 1.0
    max_backoff_seconds: float = 300.0
    lease: timedelta = timedelta(minutes=5)
    _running: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _claimed: dict[str, set[int]] = field(default_factory=dict, init=False)
    _failures: dict[str, int] = field(default_factory=dict, init=False)
    _resting: dict[str, datetime] = field(default_factory=dict, init=False)
    _orgs: dict[str, list[str] | None] = field(default_factory=dict, init=False)
    # Opened once per LRS setting (its key changes when the admin sets it again), not every poll.
    _passwords: dict[str, str | None] = field(default_factory=dict, init=False)

    async def dispatch_due(self) -> int:
        """Start a delivery for each LRS that has due statements and is neither busy nor resting
        after a failure; how many deliveries were started."""
        now = datetime.now(UTC)
        started = 0
        for destination, org_ids in await self._destinations_due(now):
            key = destination.key
            if key in self._running or self._resting.get(key, now) > now:
                continue
            async with self.uow.writing() as tx:
                rows = await box.claim(tx.session, org_ids, now, self.batch_size, self.lease)
                cohorts = await box.cohorts_of_orgs(tx.session, {r.org_id for r in rows})
            if not rows:
                continue
            self._claimed[key] = {r.seq for r in rows}
            self._orgs[key] = org_ids
            task = asyncio.create_task(self._deliver(destination, rows, cohorts), name=f"xapi-{key}")
            self._running[key] = task
            task.add_done_callback(partial(self._finished, key))
            started += 1
        return started

    async def stop(self) -> None:
        """Cancel the deliveries in flight; the rows they held are due again at once."""
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        left = [seq for seqs in self._claimed.values() for seq in seqs]
        if left:
            async with self.uow.writing() as tx:
                await box.release(tx.session, left, datetime.now(UTC))
        self._claimed.clear()
        await self.client.close()

    def _finished(self, key: str, task: asyncio.Task[None]) -> None:
        self._running.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery to LRS %s failed", key, exc_info=task.exception())

    async def _destinations_due(self, now: datetime) -> list[tuple[Destination, list[str] | None]]:
        """Each LRS with its orgs (None: the default's, every org without its own) that have
        statements due."""
        people, box_t = directory.people, box.statement_outbox
        async with self.uow.reading() as tx:
            due_orgs = set(
                await tx.session.scalars(
                    sa.select(people.c.org_id)
                    .distinct()
                    .select_from(box_t.join(people, people.c.id == box_t.c.person_id))
                    .where(box_t.c.status == box.PENDING, box_t.c.next_attempt_at <= now)
                )
            )
            own = (await tx.session.execute(sa.select(org_lrs).where(org_lrs.c.org_id.in_(due_orgs)))).all()
        found: list[tuple[Destination, list[str] | None]] = []
        for row in own:
            # A new key when the admin sets the LRS again: the new one is not resting for the old.
            key = f"org:{row.org_id}:{row.updated_at.timestamp()}"
            if key not in self._passwords:
                self._passwords[key] = self.sealer.open(row.password)
            password = self._passwords[key]
            found.append((Destination(key, row.endpoint, row.username, password, True), [row.org_id]))
        if self.default is not None and due_orgs - {row.org_id for row in own}:
            found.append((self.default, None))
        return found

    def _statement(self, row: Any, cohorts: dict[str, frozenset[str]], own: bool) -> dict[str, Any]:
        place = None
        if row.visibility is not None:
            place = Place(row.visibility, row.thread_org_id, row.thread_cohort_id)
        org_cohorts = cohorts.get(row.org_id, frozenset())
        made = statement(
            self.public_url,
            act_id=f"{row.event_id}:{row.verb}",
            person_id=row.person_id,
            verb=row.verb,
            at=row.at,
            thread_id=row.thread_id,
            title=row.title if title_goes(place, row.org_id, org_cohorts, own_lrs=own) else None,
            tags=list(row.tags or []) if org_may_see(place, row.org_id, org_cohorts) else [],
            cohort_id=row.cohort_id,
        )
        assert made is not None  # only acts with a verb IRI are queued
        return made

    async def _deliver(
        self, destination: Destination, rows: list[Any], cohorts: dict[str, frozenset[str]]
    ) -> None:
        batch = [(row.seq, self._statement(row, cohorts, destination.own)) for row in rows]
        await self._post(destination, batch)
        self._claimed.pop(destination.key, None)

    async def _post(self, destination: Destination, batch: list[tuple[int, dict[str, Any]]]) -> bool:
        """Post ``batch`` and settle its rows; False when the LRS is down (the rest of the
        delivery's rows then wait for the back-off too)."""
        answer = await self.client.post(destination, [s for _, s in batch])
        seqs = [seq for seq, _ in batch]
        at = datetime.now(UTC)
        verdict = outcome(answer.status_code, len(batch))
        key = destination.key
        if verdict == "split":
            half = len(batch) // 2
            return await self._post(destination, batch[:half]) and await self._post(destination, batch[half:])
        if verdict == "down":
            failures = self._failures.get(key, 0) + 1
            self._failures[key] = failures
            retry_at = at + backoff(failures, self.retry_seconds, self.max_backoff_seconds)
            self._resting[key] = retry_at
            log.warning("LRS %s unavailable (failure %d in a row): %s", key, failures, answer.text)
            left = sorted(self._claimed.get(key, set(seqs)))
            async with self.uow.writing() as tx:
                await box.mark_retry(tx.session, left, at, answer.text, retry_at)
                await box.defer(tx.session, self._orgs.get(key, []), at, retry_at)
            self._claimed.pop(key, None)
            return False
        self._failures.pop(key, None)
        self._resting.pop(key, None)
        async with self.uow.writing() as tx:
            if verdict == "sent":
                await box.mark_sent(tx.session, seqs, at)
            else:
                log.error("LRS %s refused %d statement(s): %s", key, len(seqs), answer.text)
                await box.mark_failed(tx.session, seqs, at, answer.text)
        self._claimed.get(key, set()).difference_update(seqs)
        return True
