"""Reloading what another replica changed: one key of the index at a time, from the database.

The database is the truth every replica shares; a key is reloaded to exactly what it holds
now, whatever happened in between, so reloading is idempotent and order does not matter within
a kind (:data:`~peerlearn_matcher.adapters.index_changes.KINDS` orders the kinds). What each
kind covers:

- ``person``: the profile (gone: the person is erased from memory), their cohorts, the feedback
  they gave (declines, acceptances, "not my area"), the mentees holding their slots, and their
  exposures this week;
- ``thread``: the thread, its vector, its posts and who declined it;
- ``post``: one post's thread and author;
- ``cohort``: its name and members;
- ``list``: a person's list was written elsewhere: forget its signature, reload who was shown it;
- ``routed``: a question was routed elsewhere: reload whom it was shown to this week;
- ``model``: the feedback model was refitted elsewhere: refit it on the same rows;
- ``routing``: another replica stored a routing model: route with the newest stored one.
"""

from __future__ import annotations

from typing import Any, Protocol

import msgspec
import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from peerlearn import events
from peerlearn.directory.store import DirectoryStore
from peerlearn_matcher.adapters import mentorship_store as mentorships
from peerlearn_matcher.adapters import routing_models, store
from peerlearn_matcher.adapters import suggestion_store as suggested
from peerlearn_matcher.adapters import tables as m
from peerlearn_matcher.adapters.encoder import Encoder
from peerlearn_matcher.adapters.index_changes import Change
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.threads import ThreadRecord


class LiveIndex(Protocol):
    """What reloading needs of :class:`peerlearn_matcher.adapters.index.LiveIndex`."""

    encoder: Encoder
    signatures: dict[str, tuple[Any, ...]]
    week: str

    @property
    def engine(self) -> Engine: ...

    @property
    def model_name(self) -> str: ...

    async def place_person(self, profile: events.PersonProfile) -> tuple[np.ndarray, np.ndarray]: ...


MENTOR_KINDS = ("mentor", "expert")
DIRECTORY = DirectoryStore(m.directory)  # the matcher's copy of the directory, as usecases read it


async def reload(index: LiveIndex, session: AsyncSession, changes: list[Change]) -> None:
    """Bring ``changes`` (in reload order) into ``index`` from the database as it is now."""
    for kind, key in changes:
        if kind == "cohort":
            await _cohort(index, session, key)
        elif kind == "thread":
            await _thread(index, session, key)
        elif kind == "post":
            await _post(index, session, key)
        elif kind == "person":
            await _person(index, session, key)
        elif kind == "list":
            await _shown(index, session, key, MENTOR_KINDS)
            index.signatures.pop(key, None)
        elif kind == "routed":
            await _shown(index, session, key, ("answerer",))
        elif kind == "model":
            features, labels = await suggested.training_data(session)
            index.engine.model.fit(features, labels)
        elif kind == "routing":
            stored = await routing_models.latest(session)
            index.engine.routing_model = stored.in_use if stored is not None else None


async def _cohort(index: LiveIndex, session: AsyncSession, cohort_id: str) -> None:
    engine = index.engine
    cohorts = m.directory.cohorts
    name = await session.scalar(sa.select(cohorts.c.name).where(cohorts.c.id == cohort_id))
    if name is not None:
        engine.cohort_names[cohort_id] = name
    engine.set_members(cohort_id, await store.active_members(session, cohort_id))


async def _thread(index: LiveIndex, session: AsyncSession, thread_id: str) -> None:
    engine = index.engine
    row = (await session.execute(sa.select(m.threads).where(m.threads.c.id == thread_id))).first()
    if row is None:
        engine.remove_thread(thread_id)
        return
    record = ThreadRecord.from_row(row)
    stored = (
        await session.execute(
            sa.select(m.vectors.c.model, m.vectors.c.data).where(
                m.vectors.c.owner_id == thread_id, m.vectors.c.kind == "thread"
            )
        )
    ).first()
    if stored is not None and stored.model == index.model_name:
        record.vector = store.vector_of(stored.data)
    else:
        record.vector = (await index.encoder.aencode([record.text()]))[0]
    engine.put_thread(record)
    posts = {
        r.id: (r.thread_id, r.author_id)
        for r in await session.execute(
            sa.select(m.posts.c.id, m.posts.c.thread_id, m.posts.c.author_id).where(
                m.posts.c.thread_id == thread_id
            )
        )
    }
    for gone in [p for p, (t, _) in engine.posts.items() if t == thread_id and p not in posts]:
        del engine.posts[gone]
    for post_id, value in posts.items():
        engine.posts[post_id] = value
    f = m.feedback
    decliners = set(
        await session.scalars(
            sa.select(f.c.person_id).where(
                f.c.thread_id == thread_id, f.c.kind == "answerer", f.c.action == "decline"
            )
        )
    )
    for person_id in engine.decliners.pop(thread_id, set()) - decliners:
        engine.declined_threads[person_id].pop(thread_id, None)
    for person_id in decliners:
        engine.record_feedback(person_id, "", "answerer", "decline", thread_id)


async def _post(index: LiveIndex, session: AsyncSession, post_id: str) -> None:
    posts = index.engine.posts
    row = (
        await session.execute(
            sa.select(m.posts.c.thread_id, m.posts.c.author_id).where(m.posts.c.id == post_id)
        )
    ).first()
    if row is None:
        posts.pop(post_id, None)
    else:
        posts[post_id] = (row.thread_id, row.author_id)


async def _person(index: LiveIndex, session: AsyncSession, person_id: str) -> None:
    engine = index.engine
    row = (await session.execute(sa.select(m.profiles.c.profile).where(m.profiles.c.id == person_id))).first()
    if row is None:  # erased (or never known): nothing of them stays
        engine.remove_person(person_id)
        index.signatures.pop(person_id, None)
        for thread in engine.threads.values():
            if thread.accepted_author_id == person_id:
                thread.accepted_author_id = None
        return
    engine.set_cohorts_of(person_id, await DIRECTORY.active_cohorts_of(session, person_id))
    await index.place_person(msgspec.json.decode(row.profile, type=events.PersonProfile))
    # What they said of others, replayed on a clean slate (a relabelled row holds its last action).
    engine.declined.pop(person_id, None)
    engine.accepted.pop(person_id, None)
    for thread_id in engine.declined_threads.pop(person_id, {}):
        engine.decliners[thread_id].discard(person_id)
    for learners in engine.mentees.values():
        learners.discard(person_id)
    f = m.feedback
    given = await session.execute(
        sa.select(f.c.candidate_id, f.c.kind, f.c.action, f.c.thread_id)
        .where(f.c.person_id == person_id)
        .order_by(f.c.created_at)
    )
    for r in given:
        engine.record_feedback(person_id, r.candidate_id, r.kind, r.action, r.thread_id)
    # Who holds their slots: learners who accepted them, but for mentorships that ended.
    taken = await session.scalars(
        sa.select(f.c.person_id).where(
            f.c.candidate_id == person_id, f.c.kind.in_(MENTOR_KINDS), f.c.action == "accept"
        )
    )
    engine.mentees[person_id] = set(taken)
    for mentee, mentor in await mentorships.released_pairs(session, person_id):
        engine.mentees[mentor].discard(mentee)
    e = m.exposures
    for key in [k for k in engine.exposures if k[1] == person_id]:
        del engine.exposures[key]
    for shown in await session.execute(
        sa.select(e.c.kind, e.c.target_id).where(e.c.candidate_id == person_id, e.c.week == index.week)
    ):
        engine.exposures[(shown.kind, person_id)].add(shown.target_id)


async def _shown(index: LiveIndex, session: AsyncSession, target_id: str, kinds: tuple[str, ...]) -> None:
    """Whom ``target_id`` (a learner or a question) was shown this week, as candidates of ``kinds``."""
    engine = index.engine
    for (kind, _), targets in engine.exposures.items():
        if kind in kinds:
            targets.discard(target_id)
    e = m.exposures
    for r in await session.execute(
        sa.select(e.c.kind, e.c.candidate_id).where(
            e.c.target_id == target_id, e.c.kind.in_(kinds), e.c.week == index.week
        )
    ):
        engine.exposures[(r.kind, r.candidate_id)].add(target_id)
