"""The live index: this process's in-memory model, loaded from the store and kept in step with it.

One :class:`LiveIndex` per process. It owns the :class:`~peerlearn_matcher.domain.engine.Engine`,
the encoder's view of it (records with their vectors) and the lock that serialises everything
that changes it: event handlers and feedback mutate one shared model. Texts are encoded in the
encoder's worker thread *before* a transaction opens (:meth:`LiveIndex.warm`), so the database
lock is never held while the model runs.

Replicas each hold a whole index. A transaction that changes it goes through :meth:`LiveIndex.writing`
(or :meth:`LiveIndex.begin`, inside an event's transaction): it takes the replicas' turn and
first reloads what other replicas changed since (:mod:`~peerlearn_matcher.adapters.index_changes`),
then logs what it changes itself (:meth:`LiveIndex.changed`). :meth:`LiveIndex.catch_up` does
the reloading between transactions too, so reads served from memory lag by a poll at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.store import Database
from peerlearn.unit_of_work import Transaction, UnitOfWork
from peerlearn_matcher.adapters import mentorship_store as mentorships
from peerlearn_matcher.adapters import routing_models, store
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.index_changes import IndexLog
from peerlearn_matcher.adapters.index_reload import reload
from peerlearn_matcher.domain.ann import ApproximateIndex
from peerlearn_matcher.domain.circles import Circles
from peerlearn_matcher.domain.engine import Engine, Limits
from peerlearn_matcher.domain.learning import FeedbackModel
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.threads import ThreadRecord
from peerlearn_matcher.domain.vectors import VectorIndex
from peerlearn_matcher.settings import MatcherSettings

log = logging.getLogger("peerlearn.matcher")


def iso_week(at: datetime | None = None) -> str:
    """The ISO week of ``at`` (now by default), the period of the load caps."""
    year, week, _ = (at or datetime.now(UTC)).isocalendar()
    return f"{year}-W{week:02d}"


def limits_of(settings: MatcherSettings) -> Limits:
    """The engine's sizes and caps as the settings say."""
    return Limits(
        per_kind=settings.suggestions_per_kind,
        pool=max(20, 2 * settings.suggestions_per_kind),
        answerers=settings.answerers_per_thread,
        load_cap=settings.load_cap_per_week,
        bridging=settings.bridging,
        ann_above=settings.ann_above,
    )


class LiveIndex:
    """The engine of this process, its lock, and the vectors of its people and threads."""

    def __init__(self, database: Database, encoder: Encoder, settings: MatcherSettings) -> None:
        self.database = database
        self.encoder = encoder
        self.settings = settings
        self.lock = asyncio.Lock()
        self.ready = asyncio.Event()
        self._engine: Engine | None = None
        self.week = iso_week()
        # What each person's stored list last was: a refresh that changes nothing writes nothing.
        self.signatures: dict[str, tuple[Any, ...]] = {}
        self.log = IndexLog()
        # Reloads of what other replicas changed (operators and tests watch it).
        self.reloaded = 0

    @property
    def model_name(self) -> str:
        return self.encoder.model_name

    @property
    def engine(self) -> Engine:
        """The loaded engine (after :meth:`start`)."""
        if self._engine is None:
            raise RuntimeError("the matcher has not started")
        return self._engine

    def roll_week(self) -> str:
        """The current ISO week; a new week starts the load caps afresh."""
        week = iso_week()
        if week != self.week:
            self.week = week
            self.engine.exposures.clear()
        return week

    async def start(self) -> None:
        """Load the model and the store into memory (re-embedding vectors of another model)."""
        loop = asyncio.get_running_loop()
        dim = await loop.run_in_executor(None, lambda: self.encoder.dim)
        self._engine = Engine(
            dim, limits_of(self.settings), FeedbackModel(self.settings.min_feedback_for_model)
        )
        for vectors in self.vector_indexes():
            vectors.builds_off_loop = True  # see build_graphs
        async with self.database.reading() as session:
            # Everything logged up to here is in what _load reads; later changes are caught up.
            self.log.applied = await self.log.newest(session)
        await self._load()
        async with self.database.reading() as session:
            # When each thread was asked and each post written, for the learned routing's recency
            # evidence (usecases.routing_training trains on the same stored times).
            asked, written, _ = await store.forum_times(session)
            # The routing model the replicas share (usecases.routing_training), not one of its own.
            stored = await routing_models.latest(session)
        self._engine.set_times(asked, written)
        self._engine.routing_model = stored.in_use if stored is not None else None
        await self.build_graphs()
        if self.settings.bridging:
            # The circles before any event is handled, so every list refreshed from now on bridges
            # (usecases.circles keeps them up to date).
            engine = self._engine
            ties, mark = engine.help_ties(), engine.forum_mark()
            engine.circles = await loop.run_in_executor(None, Circles.of_ties, ties, mark)
        self.ready.set()

    def vector_indexes(self) -> list[VectorIndex]:
        """The engine's vector indexes: people's offers and needs, threads."""
        engine = self.engine
        return [engine.people.offer, engine.people.need, engine.thread_index]

    async def build_graphs(self) -> int:
        """Build the HNSW graph of every index that crossed ``ann_above`` in a worker thread;
        return how many were built.

        Building one at 1,000,000 rows takes minutes (bench/matcher_ann.py): on the event loop it
        would stop every event, request and stream for that long. Searches stay exact until
        the graph is installed, and rows changed during the build are put right as it is.
        """
        built = 0
        for vectors in self.vector_indexes():
            if not vectors.wants_graph:
                continue
            rows, matrix = vectors.graph_inputs()
            try:
                graph = await asyncio.to_thread(_graph_of, vectors.dim, rows, matrix)
            except BaseException:
                vectors.abandon_graph()
                raise
            vectors.install_graph(graph)
            built += 1
            log.info("built the HNSW graph of %d rows off the event loop", len(rows))
        return built

    @asynccontextmanager
    async def writing(self, uow: UnitOfWork) -> AsyncIterator[Transaction]:
        """A transaction that may change the index: this process's lock, the replicas' turn, and
        every other replica's changes reloaded first."""
        async with self.lock:
            await self.reload_ahead()
            async with uow.writing() as tx:
                await self.begin(tx)
                yield tx

    async def reload_ahead(self) -> None:
        """Reload what others committed so far, before the turn (the caller holds :attr:`lock`).

        The turn serialises every replica's index changes, so what is reloaded inside it lengthens
        everyone's wait: done here first, the turn then reloads only what committed since.
        """
        async with self.database.reading() as session:
            if await self.log.newest(session) > self.log.applied:
                await self._reload_since(session)

    async def begin(self, tx: Transaction) -> None:
        """Take the replicas' turn in ``tx`` and reload what others changed (once per transaction;
        the caller holds :attr:`lock`)."""
        if not await self.log.take_turn(tx):
            return
        if self.log.unsettled:
            # Changed in memory by a transaction that rolled back: back to what committed.
            healed, self.log.unsettled = sorted(self.log.unsettled), set()
            await reload(self, tx.session, healed)
        await self._reload_since(tx.session)

    async def changed(self, tx: Transaction, kind: str, *keys: str) -> None:
        """Log that ``tx`` changes ``keys`` of ``kind`` in this index (other replicas reload them).

        Called *before* memory changes: should the transaction then roll back, the next one
        reloads those keys, so the index never keeps what the database does not."""
        await self.log.touch(tx, kind, *keys)

    async def catch_up(self) -> bool:
        """Reload what other replicas changed, between transactions; True when anything was."""
        async with self.database.reading() as session:
            if await self.log.newest(session) <= self.log.applied:
                return False  # the common case, without waiting for the lock
        async with self.lock:
            before = self.log.applied
            await self.reload_ahead()
            return self.log.applied != before

    async def _reload_since(self, session: AsyncSession) -> bool:
        changes, last = await self.log.since(session)
        if changes:
            await reload(self, session, changes)
            self.reloaded += len(changes)
        moved = last != self.log.applied
        self.log.applied = last
        return moved

    async def _load(self) -> None:
        engine = self.engine
        d = m.directory
        async with self.database.reading() as session:
            for row in (await session.execute(sa.select(d.cohorts.c.id, d.cohorts.c.name))).all():
                engine.cohort_names[row.id] = row.name
            members = sa.select(d.cohort_members.c.cohort_id, d.cohort_members.c.person_id).where(
                d.cohort_members.c.active.is_(True)
            )
            for row in (await session.execute(members)).all():
                engine.members[row.cohort_id].add(row.person_id)
            stored = {
                (r.owner_id, r.kind): (r.model, r.data)
                for r in (await session.execute(sa.select(m.vectors))).all()
            }
            threads = (await session.execute(sa.select(m.threads))).all()
            people = (await session.execute(sa.select(m.profiles.c.profile))).all()
            feedback = (await session.execute(sa.select(m.feedback))).all()
            for row in (await session.execute(sa.select(m.posts))).all():
                engine.posts[row.id] = (row.thread_id, row.author_id)
            exposures = (
                await session.execute(sa.select(m.exposures).where(m.exposures.c.week == self.week))
            ).all()
            features, labels = await suggested.training_data(session)
            released = await mentorships.released_pairs(session)
        stale: list[tuple[str, str, np.ndarray]] = []
        for row in threads:
            record = ThreadRecord.from_row(row)
            model, data = stored.get((row.id, "thread"), (None, None))
            if model == self.model_name and data is not None:
                record.vector = store.vector_of(data)
            else:
                record.vector = (await self.encoder.aencode([record.text()]))[0]
                stale.append((row.id, "thread", record.vector))
            engine.put_thread(record)
        for row in people:
            profile = msgspec.json.decode(row.profile, type=events.PersonProfile)
            person, offer, need = await self.build_person(profile)
            engine.put_person(person, offer, need)
            for kind, vector in (("offer", offer), ("need", need)):
                if stored.get((profile.id, kind), (None,))[0] != self.model_name:
                    stale.append((profile.id, kind, vector))
        for row in feedback:
            engine.record_feedback(row.person_id, row.candidate_id, row.kind, row.action, row.thread_id)
        for mentee, mentor in released:
            # A closed mentorship's accept no longer holds the mentor's slot.
            engine.mentees[mentor].discard(mentee)
        for row in exposures:
            engine.exposures[(row.kind, row.candidate_id)].add(row.target_id)
        if stale:
            async with self.database.transaction() as session:
                for owner, kind, vector in stale:
                    await store.put_vector(session, owner, kind, self.model_name, vector)
            log.info("re-embedded %d vectors with %s", len(stale), self.model_name)
        engine.model.fit(features, labels)
        log.info("matcher loaded %d people, %d threads", len(engine.people), len(engine.threads))

    async def build_person(
        self, profile: events.PersonProfile
    ) -> tuple[PersonRecord, np.ndarray, np.ndarray]:
        """A person's record and vectors (skills and goal encoded in the worker thread, cached)."""
        engine = self.engine
        have, want = split_skills(profile)
        goal = profile.goal.strip()
        texts = [s.name for s in have] + [s.name for s in want] + ([goal] if goal else [])
        vectors = await self.encoder.aencode(texts) if texts else np.zeros((0, engine.dim), dtype=np.float32)
        record = PersonRecord(
            profile=profile,
            have=have,
            want=want,
            have_vectors=vectors[: len(have)].reshape(len(have), engine.dim),
            want_vectors=vectors[len(have) : len(have) + len(want)].reshape(len(want), engine.dim),
            goal_vector=vectors[-1] if goal else None,
        )
        offer = offer_vector(record, engine.answered_topics(profile.id), engine.dim)
        return record, offer, need_vector(record, engine.dim)

    async def place_person(self, profile: events.PersonProfile) -> tuple[np.ndarray, np.ndarray]:
        """Put a person (again) in the engine from their profile; return their offer and need."""
        record, offer, need = await self.build_person(profile)
        self.engine.put_person(record, offer, need)
        return offer, need

    async def warm(self, event: events.Event) -> None:
        """Encode the texts ``event`` carries before its transaction opens (fills the cache)."""
        data = event.data
        texts: list[str] = []
        if isinstance(data, events.PersonUpserted):
            texts = [s.name for s in data.person.skills] + (
                [data.person.goal] if data.person.goal.strip() else []
            )
        elif isinstance(data, events.ThreadSnapshot):
            texts = [ThreadRecord.from_snapshot(data).text()]
        if texts:
            await self.encoder.aencode(texts)


def _graph_of(dim: int, rows: np.ndarray, vectors: np.ndarray) -> ApproximateIndex:
    graph = ApproximateIndex(dim)
    graph.build(rows, vectors)
    return graph
