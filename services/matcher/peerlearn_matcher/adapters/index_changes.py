"""The log of changes to the in-memory index, which keeps matcher replicas in step.

Every replica holds the whole index in memory, and any replica may take an event from the shared
durable consumers, or a piece of feedback over HTTP. So a transaction that changes the index
logs *what* it changed (``person``, ``thread``, ``post``, ``cohort``, ``list``, ``routed``,
``model``, ``routing`` and a key) in ``index_changes``, and every other replica reloads those keys from the
database before it computes anything (:mod:`peerlearn_matcher.adapters.index_reload`).

Such a transaction first takes the **turn**: it updates the one row of ``index_turn``, which
holds PostgreSQL's row lock (SQLite's write lock) until it commits. That makes the log's ids
come in commit order (a replica that read up to id *n* can never see a smaller id appear
later), and it means a replica reads every change committed before it computes a list: without
it, two replicas could each compute one person's list from an index that misses the other's
change, and the last to commit would win (a withdrawn consent still shown). Index changes across
replicas are therefore serial, as they were behind the one process's lock; reads are not.

The log is the database's, not a stream's, so it is exactly what committed: a rolled-back
transaction logs nothing, and what it had changed in memory is reloaded (:meth:`IndexLog.unsettled`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn.unit_of_work import Transaction
from peerlearn_matcher.adapters import store
from peerlearn_matcher.adapters import tables as m

Change = tuple[str, str]  # (kind, key)

# Reloaded in this order: members before the people whose cohorts they are, threads and posts
# before the people whose offers read what they answered, people before their lists.
KINDS = ("cohort", "thread", "post", "person", "list", "routed", "model", "routing")

# A replica further behind than this reloads everything instead (the log is pruned after it).
KEPT = timedelta(hours=1)

_TURN_TAKEN = "peerlearn_matcher.turn"
_TOUCHED = "peerlearn_matcher.touched"
_LOGGED = "peerlearn_matcher.logged"


class IndexLog:
    """One replica's view of the log: how far it has applied it, and its own unsettled changes."""

    def __init__(self) -> None:
        self.applied = 0  # the last id this replica's index reflects
        self.unsettled: set[Change] = set()  # changed in memory by a transaction not yet committed
        self.own: set[int] = set()  # ids this replica logged and committed (already in its index)

    async def take_turn(self, tx: Transaction) -> bool:
        """Take the replicas' turn in this transaction (once); True when this call took it."""
        info = tx.session.info
        if info.get(_TURN_TAKEN):
            return False
        await tx.session.execute(
            sa.update(m.index_turn).where(m.index_turn.c.id == 1).values(turns=m.index_turn.c.turns + 1)
        )
        info[_TURN_TAKEN] = True
        return True

    async def touch(self, tx: Transaction, kind: str, *keys: str) -> None:
        """Log that this transaction changed ``keys`` of ``kind`` in the index."""
        assert kind in KINDS, kind
        await self.take_turn(tx)
        touched: list[Change] = tx.session.info.setdefault(_TOUCHED, [])
        fresh = sorted({(kind, key) for key in keys} - set(touched))
        if not fresh:
            return
        at = store.now()
        ids = await tx.session.scalars(
            sa.insert(m.index_changes).returning(m.index_changes.c.id),
            [{"kind": kind, "key": key, "at": at} for kind, key in fresh],
        )
        if not touched:
            tx.after_commit(lambda: self._settle(tx))
        touched.extend(fresh)
        tx.session.info.setdefault(_LOGGED, []).extend(ids)
        self.unsettled.update(fresh)

    def _settle(self, tx: Transaction) -> None:
        self.unsettled.difference_update(tx.session.info.get(_TOUCHED, []))
        self.own.update(tx.session.info.get(_LOGGED, []))

    async def newest(self, session: AsyncSession) -> int:
        """The id of the last change logged (0 for none)."""
        return int(
            await session.scalar(sa.select(sa.func.coalesce(sa.func.max(m.index_changes.c.id), 0))) or 0
        )

    async def since(self, session: AsyncSession) -> tuple[list[Change], int]:
        """The changes other replicas logged after :attr:`applied`, in reload order, and the last id."""
        rows = (
            await session.execute(
                sa.select(m.index_changes.c.id, m.index_changes.c.kind, m.index_changes.c.key)
                .where(m.index_changes.c.id > self.applied)
                .order_by(m.index_changes.c.id)
            )
        ).all()
        if not rows:
            return [], self.applied
        changes = {(r.kind, r.key) for r in rows if r.id not in self.own}
        self.own.difference_update(r.id for r in rows)
        return ordered(changes), rows[-1].id

    async def prune(self, session: AsyncSession, now: datetime | None = None) -> int:
        """Forget changes older than :data:`KEPT`; return how many went."""
        before = (now or store.now()) - KEPT
        result = await session.execute(sa.delete(m.index_changes).where(m.index_changes.c.at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def ordered(changes: Iterable[Change]) -> list[Change]:
    """``changes`` in the order they must be reloaded (:data:`KINDS`), each once."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(set(changes), key=lambda c: (rank[c[0]], c[1]))
