"""The live matcher: events in, read model and index updated, suggestions refreshed and published.

One :class:`LiveMatcher` per process. It owns the :class:`~peerlearn_matcher.engine.Engine`
(memory), writes the read model and suggestions through :mod:`peerlearn_matcher.store` in the
same transaction as the outbox events (``matcher.suggestions.updated``,
``matcher.answerers.suggested``), and after commit pushes fresh lists to open streams
(:class:`~peerlearn_matcher.feed.Feed`). Handling is serialised by one lock: events and
feedback mutate one shared in-memory model. Texts are encoded in the encoder's worker thread
*before* the transaction opens, so the database lock is never held while the model runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events, outbox
from peerlearn.store import Database
from peerlearn_matcher import models as m
from peerlearn_matcher import store
from peerlearn_matcher.embeddings import Encoder
from peerlearn_matcher.engine import PERSON_KINDS, Cohort, Engine, Limits
from peerlearn_matcher.feed import Feed
from peerlearn_matcher.learning import FeedbackModel
from peerlearn_matcher.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.settings import MatcherSettings
from peerlearn_matcher.threads import ThreadRecord

log = logging.getLogger("peerlearn.matcher")


class NotFound(LookupError):
    """Nothing the caller may see has this id (the API answers 404, never 403)."""


@dataclass
class Effects:
    """What an event changed: whose suggestions to recompute, which threads to re-route."""

    people: set[str] = field(default_factory=set)  # recomputed in the event's own transaction
    later: set[str] = field(default_factory=set)  # recomputed soon by the background refresher
    threads: set[str] = field(default_factory=set)
    republish: set[str] = field(default_factory=set)


def iso_week(at: datetime | None = None) -> str:
    year, week, _ = (at or datetime.now(UTC)).isocalendar()
    return f"{year}-W{week:02d}"


class LiveMatcher:
    """The matcher's state and its reactions to events and feedback."""

    def __init__(
        self,
        database: Database,
        encoder: Encoder,
        settings: MatcherSettings,
        feed: Feed | None = None,
        *,
        publish: bool = True,
    ) -> None:
        self.database = database
        self.encoder = encoder
        self.settings = settings
        self.feed = feed or Feed()
        self.publish = publish
        self.lock = asyncio.Lock()
        self.ready = asyncio.Event()
        self.engine: Engine | None = None
        self.week = iso_week()
        self.handled = 0
        self.handlers: dict[str, Any] | None = None  # default: peerlearn_matcher.handlers.HANDLERS
        # A rebuild applies every event first and computes suggestions once at the end.
        self.defer_refresh = False
        # Fan-out refreshes wait here; a burst of events touching one person refreshes them once.
        self.pending: set[str] = set()
        self._wake = asyncio.Event()
        self._refreshing = False
        # What each person's stored list last was: a refresh that changes nothing writes nothing.
        self.signatures: dict[str, tuple[Any, ...]] = {}

    @property
    def model_name(self) -> str:
        return self.encoder.model_name

    # --- start-up -----------------------------------------------------------------------

    async def start(self) -> None:
        """Load the model and the read model into memory (re-embedding vectors of another model)."""
        loop = asyncio.get_running_loop()
        dim = await loop.run_in_executor(None, lambda: self.encoder.dim)
        settings = self.settings
        self.engine = Engine(
            dim,
            Limits(
                per_kind=settings.suggestions_per_kind,
                pool=max(20, 2 * settings.suggestions_per_kind),
                answerers=settings.answerers_per_thread,
                load_cap=settings.load_cap_per_week,
            ),
            FeedbackModel(settings.min_feedback_for_model),
        )
        await self._load()
        self.ready.set()

    async def _load(self) -> None:
        engine = self.require_engine()
        async with self.database.sessions() as session:
            for row in (await session.execute(sa.select(m.cohorts))).all():
                engine.cohorts[row.id] = Cohort(row.id, row.name, row.owner_org_id, row.topic)
            for row in (await session.execute(sa.select(m.cohort_orgs))).all():
                if row.cohort_id in engine.cohorts:
                    engine.cohorts[row.cohort_id].orgs.add(row.org_id)
            for row in (await session.execute(sa.select(m.cohort_members))).all():
                engine.members[row.cohort_id].add(row.person_id)
            stored = {
                (r.owner_id, r.kind): (r.model, r.data)
                for r in (await session.execute(sa.select(m.vectors))).all()
            }
            threads = (await session.execute(sa.select(m.threads))).all()
            people = (await session.execute(sa.select(m.people.c.profile))).all()
            feedback = (await session.execute(sa.select(m.feedback))).all()
            for row in (await session.execute(sa.select(m.posts))).all():
                engine.posts[row.id] = (row.thread_id, row.author_id)
            exposures = (
                await session.execute(sa.select(m.exposures).where(m.exposures.c.week == self.week))
            ).all()
        stale: list[tuple[str, str, np.ndarray]] = []
        texts = [ThreadRecord(**_thread_values(r)).text() for r in threads]
        for row, text in zip(threads, texts, strict=True):
            record = ThreadRecord(**_thread_values(row))
            model, data = stored.get((row.id, "thread"), (None, None))
            if model == self.model_name and data is not None:
                record.vector = store.vector_of(data)
            else:
                record.vector = (await self.encoder.aencode([text]))[0]
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
            engine.record_feedback(row.person_id, row.candidate_id, row.kind, row.action)
        for row in exposures:
            engine.exposures[(row.kind, row.candidate_id)].add(row.target_id)
        if stale:
            async with self.database.transaction() as session:
                for owner, kind, vector in stale:
                    await store.put_vector(session, owner, kind, self.model_name, vector)
            log.info("re-embedded %d vectors with %s", len(stale), self.model_name)
        features, labels = await self._training_data()
        engine.model.fit(features, labels)
        log.info("matcher loaded %d people, %d threads", len(engine.people), len(engine.threads))

    async def _training_data(self) -> tuple[list[list[float]], list[int]]:
        async with self.database.sessions() as session:
            return await store.training_data(session)

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise RuntimeError("the matcher has not started")
        return self.engine

    # --- building records -----------------------------------------------------------------

    async def build_person(
        self, profile: events.PersonProfile
    ) -> tuple[PersonRecord, np.ndarray, np.ndarray]:
        """A person's record and vectors (skills and goal encoded in the worker thread, cached)."""
        engine = self.require_engine()
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

    async def warm(self, event: events.Event) -> None:
        """Encode the texts ``event`` carries before its transaction opens (fills the cache)."""
        data = event.data
        texts: list[str] = []
        if isinstance(data, events.PersonUpserted):
            texts = [s.name for s in data.person.skills] + (
                [data.person.goal] if data.person.goal.strip() else []
            )
        elif isinstance(data, events.ThreadSnapshot):
            texts = [ThreadRecord(**_snapshot_values(data)).text()]
        if texts:
            await self.encoder.aencode(texts)

    # --- events -----------------------------------------------------------------------------

    async def handle(self, event: events.Event) -> None:
        """Apply one event exactly once (a redelivered event changes nothing) and refresh what it touched."""
        from peerlearn_matcher.handlers import HANDLERS

        handler = (self.handlers or HANDLERS).get(event.type)
        await self.ready.wait()
        await self.warm(event)
        async with self.lock:
            updates: list[events.SuggestionsUpdated] = []
            async with self.database.transaction() as session:
                if not await store.claim_event(session, event.id):
                    return
                if handler is None:
                    return
                effects = await handler(self, session, event)
                if not self.defer_refresh:
                    updates = await self.apply(session, effects)
                    self.pending |= effects.later
            self.handled += 1
        if self.pending:
            self._wake.set()
        for update in updates:
            self.feed.publish(update)

    @property
    def idle(self) -> bool:
        """No event or refresh in progress and none waiting (tests wait for this)."""
        return not self.pending and not self._refreshing and not self.lock.locked()

    async def run_refresher(self, batch: int = 20) -> None:
        """Refresh the people events touched indirectly, in batches, until cancelled.

        The person an event is about gets fresh suggestions in the event's own transaction;
        the people they may now suit are refreshed here right after, so one profile change
        never holds the lock for a whole fan-out and repeated touches coalesce under load.
        """
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.pending:
                self._refreshing = True
                chosen: list[str] = []
                try:
                    async with self.lock:
                        chosen = sorted(self.pending)[:batch]
                        self.pending.difference_update(chosen)
                        async with self.database.transaction() as session:
                            updates = await self.apply(session, Effects(people=set(chosen)))
                    for update in updates:
                        self.feed.publish(update)
                    # Let other writers (the outbox relay, HTTP feedback) take the database lock.
                    await asyncio.sleep(0.01)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a failed batch is retried, never lost
                    log.exception("background refresh failed; retrying")
                    self.pending.update(chosen)
                    await asyncio.sleep(1.0)
                finally:
                    self._refreshing = False

    async def apply(self, session: AsyncSession, effects: Effects) -> list[events.SuggestionsUpdated]:
        """Recompute and store what ``effects`` names; return the updated lists to push after commit."""
        engine = self.require_engine()
        week = iso_week()
        if week != self.week:
            self.week = week
            engine.exposures.clear()
        lists: set[str] = set(effects.republish)
        for thread_id in sorted(effects.threads):
            lists |= await self.route(session, thread_id)
        for person_id in sorted(effects.people):
            if person_id in engine.people and await self.refresh(session, person_id):
                lists.add(person_id)
        updates = []
        for person_id in sorted(lists):
            if person_id not in engine.people:
                continue
            update = await self.current(session, person_id)
            updates.append(update)
            await self.emit(session, update, org_id=engine.people.records[person_id].org_id)
        return updates

    async def emit(self, session: AsyncSession, data: events.Data, *, org_id: str | None = None) -> None:
        """Record an event in the outbox (not during a rebuild, which must not re-announce history)."""
        if self.publish:
            await outbox.record(session, events.make_event(data, org_id=org_id))

    async def refresh(self, session: AsyncSession, person_id: str) -> bool:
        """Recompute one person's peer, mentor and expert suggestions; store them if they changed."""
        engine = self.require_engine()
        scored = engine.suggest(person_id)
        signature = tuple(
            (s.kind, s.candidate_id, round(s.score, 4), tuple(r.text for r in s.reasons)) for s in scored
        )
        if self.signatures.get(person_id) == signature:
            return False
        self.signatures[person_id] = signature
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
        await store.replace_open(session, person_id, rows, kinds=PERSON_KINDS)
        for kind in ("mentor", "expert"):
            chosen = [s.candidate_id for s in scored if s.kind == kind]
            for candidate in chosen:
                engine.exposures[(kind, candidate)].add(person_id)
            await store.add_exposures(session, kind, person_id, chosen, self.week)
        return True

    async def route(self, session: AsyncSession, thread_id: str) -> set[str]:
        """(Re)compute a question's answerers and related threads; return whose lists changed."""
        engine = self.require_engine()
        thread = engine.threads.get(thread_id)
        table = m.suggestions
        scope = [table.c.thread_id == thread_id, table.c.kind == "answerer", table.c.status == "open"]
        old = set((await session.execute(sa.select(table.c.person_id).where(*scope))).scalars())
        await session.execute(sa.delete(table).where(*scope))
        routed = thread is not None and thread.kind == "question" and not thread.accepted_post_id
        scored = engine.answerers(thread_id) if routed else []
        created = store.now()
        asked = events.Reason(text=f"a new question you may answer: {thread.title}" if thread else "")
        for rank, item in enumerate(scored, 1):
            await session.execute(
                sa.insert(table).values(
                    id=events.new_id(),
                    person_id=item.candidate_id,
                    kind="answerer",
                    candidate_id=thread.author_id if thread else "",
                    thread_id=thread_id,
                    score=round(item.score, 6),
                    rank=rank,
                    # The answerer may read this space (they were chosen so): the title may show.
                    reasons=msgspec.json.encode([asked, *item.reasons]),
                    features=msgspec.json.encode([round(f, 6) for f in item.features]),
                    status="open",
                    created_at=created,
                )
            )
            engine.exposures[("answerer", item.candidate_id)].add(thread_id)
        await store.add_exposures(session, "answerer", thread_id, [s.candidate_id for s in scored], self.week)
        if thread is not None:
            related = (
                engine.related(thread_id) if thread.kind == "question" or thread.accepted_post_id else []
            )
            answerers = [
                events.SuggestedAnswerer(
                    person_id=s.candidate_id,
                    display_name=engine.people.records[s.candidate_id].profile.display_name,
                    score=round(s.score, 6),
                    reasons=s.reasons,
                )
                for s in scored
            ]
            await self.emit(
                session,
                events.AnswerersSuggested(
                    thread_id=thread_id,
                    answerers=answerers,
                    related=[
                        events.RelatedThread(
                            thread_id=key, title=engine.threads[key].title, score=round(score, 6)
                        )
                        for key, score in related
                    ],
                ),
                org_id=thread.org_id,
            )
        return old | {s.candidate_id for s in scored}

    async def current(self, session: AsyncSession, person_id: str) -> events.SuggestionsUpdated:
        """A person's open suggestions as the event (and the stream) carries them."""
        stored = await store.open_suggestions(session, person_id)
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

    # --- feedback ---------------------------------------------------------------------------

    async def give_feedback(
        self, person_id: str | None, suggestion_id: str, action: str, rating: int | None
    ) -> store.StoredSuggestion:
        """Accept or decline one of the caller's suggestions; declines never come back."""
        engine = self.require_engine()
        async with self.lock, self.database.transaction() as session:
            suggestion = await store.get_suggestion(session, suggestion_id)
            if suggestion is None or person_id is None or suggestion.person_id != person_id:
                raise NotFound(f"no suggestion {suggestion_id}")
            status = "accepted" if action == "accept" else "declined"
            await store.set_status(session, suggestion_id, status)
            await store.put_feedback(session, suggestion, action, rating)
            data = events.SuggestionFeedback(
                suggestion_id=suggestion.id,
                person_id=suggestion.person_id,
                candidate_id=suggestion.candidate_id,
                kind=suggestion.kind,  # type: ignore[arg-type]
                action=action,  # type: ignore[arg-type]
                rating=rating,
                features=suggestion.features,
            )
            org_id = engine.people.records[person_id].org_id if person_id in engine.people else None
            await self.emit(session, data, org_id=org_id)
            engine.record_feedback(suggestion.person_id, suggestion.candidate_id, suggestion.kind, action)
            features, labels = await store.training_data(session)
            engine.model.fit(features, labels)
            touched = {person_id}
            if suggestion.kind in ("mentor", "expert") and action == "accept":
                # Their capacity shrank: people who had them suggested may need someone else.
                touched |= set(await store.people_suggested(session, suggestion.candidate_id))
            updates = await self.apply(session, Effects(people=touched))
            result = await store.get_suggestion(session, suggestion_id)
        for update in updates:
            self.feed.publish(update)
        assert result is not None
        return result

    async def rebuild_all(self, person_ids: Iterable[str] | None = None) -> None:
        """Recompute every person's suggestions and every open question's answerers (after a replay)."""
        engine = self.require_engine()
        async with self.lock, self.database.transaction() as session:
            await self.apply(
                session,
                Effects(
                    people=set(person_ids if person_ids is not None else engine.people.records),
                    threads={t.id for t in engine.threads.values() if t.kind == "question"},
                ),
            )


def _thread_values(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "space_id": row.space_id,
        "visibility": row.visibility,
        "org_id": row.org_id,
        "cohort_id": row.cohort_id,
        "author_id": row.author_id,
        "kind": row.kind,
        "title": row.title,
        "body": row.body,
        "tags": list(row.tags or []),
        "accepted_post_id": row.accepted_post_id,
        "accepted_author_id": row.accepted_author_id,
    }


def _snapshot_values(data: events.ThreadSnapshot) -> dict[str, Any]:
    return {
        "id": data.thread_id,
        "space_id": data.space_id,
        "visibility": data.visibility,
        "org_id": data.org_id,
        "cohort_id": data.cohort_id,
        "author_id": data.author_id,
        "kind": data.kind,
        "title": data.title,
        "body": data.body,
        "tags": list(data.tags),
        "accepted_post_id": data.accepted_post_id,
    }
