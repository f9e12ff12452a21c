"""Training the learned answerer ranking from the forum's own history, as ``peerlearn eval`` does.

The matcher's history (threads with when they were asked and when their answer was accepted,
posts with when they were written: migration 0006) is turned into the eval's timeline and
replayed through the eval's learned ranker
(:class:`~peerlearn_matcher.evaluation.history_rankers.LearnedRanker`): the same evidence, the
same walk-forward fits, the same rule (default weights until ``RoutingModel.min_cases``
labelled questions; a refit replaces the model before it only if it ranks the latest held-out
questions no worse). The model that comes out replaces the one routing uses only by that same
rule (:func:`~peerlearn_matcher.domain.routing_model.successor`). So the figure ``peerlearn
eval`` measures is the ranking the live service ships.

:func:`run_routing_training` looks every :data:`LOOK_SECONDS` whether the cluster's model is due
(none stored, or the newest stored :data:`TRAINING_SECONDS` ago) and, if so, trains one: the
replay in a worker thread, on a copy of the engine's forum taken under the index lock. The
result is stored (:mod:`peerlearn_matcher.adapters.routing_models`) unless another replica
stored one since this one looked, and every replica routes with the stored model: loaded at
start, reloaded from the log of index changes when another replica stores a new one. So two
replicas never route with different weights for longer than a catch-up, and a restart changes
nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from peerlearn.store import Database
from peerlearn_matcher.adapters import routing_models, store
from peerlearn_matcher.domain.routing_model import RoutingModel, successor
from peerlearn_matcher.domain.threads import ThreadRecord
from peerlearn_matcher.usecases.matcher import Matcher, run_rounds

if TYPE_CHECKING:  # the eval's modules import scikit-learn: only once a model is trained
    from peerlearn_matcher.evaluation.dump import Dump

log = logging.getLogger("peerlearn.matcher")

# How often the model is trained again: the refit rule needs ``retrain_every`` (10) new labelled
# questions to change anything, which a forum gathers in hours, not minutes.
TRAINING_SECONDS = 3600.0
# How often a replica looks whether training is due (one query), so the cluster trains about
# every TRAINING_SECONDS whichever replicas are up.
LOOK_SECONDS = 300.0


@dataclass(frozen=True)
class ForumHistory:
    """What the model is trained on: threads (with vectors), posts (post -> (thread, author)),
    their times and the offer vectors, copied out of the engine or read from the store."""

    threads: Mapping[str, ThreadRecord]
    posts: Mapping[str, tuple[str, str]]
    asked_at: Mapping[str, datetime]
    written_at: Mapping[str, datetime]
    accepted_at: Mapping[str, datetime]
    offers: Mapping[str, np.ndarray]
    # thread -> who it was routed to (answerer suggestions and exposures), and each decline
    # ("not my area": person, thread, when): a routed answer labels, a decline is evidence.
    routed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    declines: Sequence[tuple[str, str, datetime]] = ()


def as_dump(history: ForumHistory) -> Dump:
    """The history as the eval's :class:`~peerlearn_matcher.evaluation.dump.Dump` (questions by
    time; a thread or post without a stored time is left out)."""
    from peerlearn_matcher.evaluation.dump import Answer, Decline, Dump, Question

    questions = sorted(
        (
            Question(
                id=t.id,
                created=history.asked_at[t.id],
                owner_id=t.author_id,
                title=t.title,
                body=t.body,
                tags=tuple(t.tags),
                accepted_answer_id=t.accepted_post_id,
                routed=history.routed.get(t.id, ()),
            )
            for t in history.threads.values()
            if t.kind == "question" and t.vector is not None and t.id in history.asked_at
        ),
        key=lambda q: (q.created, q.id),
    )
    asked = {q.id: q for q in questions}
    answers = [
        Answer(id=post_id, question_id=thread_id, created=history.written_at[post_id], owner_id=author_id)
        for post_id, (thread_id, author_id) in history.posts.items()
        if (question := asked.get(thread_id)) is not None
        and author_id != question.owner_id
        and post_id in history.written_at
    ]
    # The eval knows an acceptance from the end of the day Votes.xml gives it (a day after the
    # date): the stored time less one day is known exactly when it happened.
    accepted_on = {
        q.accepted_answer_id: history.accepted_at[q.id] - timedelta(days=1)
        for q in questions
        if q.accepted_answer_id and q.id in history.accepted_at
    }
    declines = [Decline(person, thread, at) for person, thread, at in history.declines if thread in asked]
    return Dump(
        Path("matcher"), questions=questions, answers=answers, accepted_on=accepted_on, declines=declines
    )


def train(history: ForumHistory) -> RoutingModel:
    """The eval's learned ranker replayed over ``history``: its model at the end, refitted on
    every labelled question if that is no worse (CPU-bound: call it in a worker thread)."""
    from peerlearn_matcher.evaluation.history_rankers import LearnedRanker
    from peerlearn_matcher.evaluation.rankers import EncodedTexts
    from peerlearn_matcher.evaluation.replay import replay

    dump = as_dump(history)
    vectors = {q.id: history.threads[q.id].vector for q in dump.questions}
    texts = EncodedTexts({k: v for k, v in vectors.items() if v is not None}, dict(history.offers))
    ranker = LearnedRanker(texts)
    replay(dump, [ranker], progress=False)
    # The replay refits every ``retrain_every`` cases; a last refit on all of them (judged against
    # the replay's model as every refit is) makes the result depend on the history alone, not on
    # where the last multiple of ``retrain_every`` fell.
    return successor(ranker.model, ranker.model) or ranker.model


def engine_history(matcher: Matcher) -> ForumHistory:
    """A copy of the engine's forum (call under ``matcher.index.lock``), without times: those
    are read from the store, so that every replica trains on the same ones."""
    engine = matcher.index.engine
    people = engine.people
    offers = {key: found for key in people.records if (found := people.offer.vector(key)) is not None}
    return ForumHistory(
        threads={k: dataclasses.replace(t) for k, t in engine.threads.items()},
        posts=dict(engine.posts.items()),
        asked_at={},
        written_at={},
        accepted_at={},
        offers=offers,
    )


async def train_routing(matcher: Matcher, *, every: float = TRAINING_SECONDS) -> RoutingModel | None:
    """Train the cluster's routing model if it is due (none stored, or the newest stored at least
    ``every`` seconds ago), store it by the refit rule unless another replica stored one since,
    and return the model routing uses now (None: the default weights)."""
    index = matcher.index
    async with index.database.reading() as session:
        stored = await routing_models.latest(session)
        if stored is not None and store.now() - stored.trained_at < timedelta(seconds=every):
            return index.engine.routing_model
        asked, written, accepted = await store.forum_times(session)
        routed, declines = await store.routing_labels(session)
    async with index.lock:
        history = engine_history(matcher)
    history = dataclasses.replace(
        history, asked_at=asked, written_at=written, accepted_at=accepted, routed=routed, declines=declines
    )
    current = stored.in_use if stored is not None else None
    trained = await asyncio.to_thread(train, history)
    chosen = successor(current, trained)
    # Stored even when nothing changed (``trained`` unlearned: the default weights stay, after
    # that many cases): the time it was judged is the cluster's schedule.
    stored_now = await install(matcher, chosen if chosen is not None else trained, since=stored)
    if stored_now and chosen is not None and chosen is not current:
        log.info(
            "routing with a learned model: %d labelled questions, window %s", chosen.labelled, chosen.window
        )
    return index.engine.routing_model


async def install(matcher: Matcher, model: RoutingModel, *, since: routing_models.Stored | None) -> bool:
    """Store ``model`` as the one every replica routes with, and route with it here, unless a
    replica stored another after ``since`` (the newest when this one looked): then that one stands
    (the turn has reloaded it) and False is returned."""
    index = matcher.index
    async with index.writing(matcher.uow) as tx:
        newest = await routing_models.latest(tx.session)
        if _id_of(newest) != _id_of(since):
            return False
        await routing_models.put(tx.session, model, store.now())
        await index.changed(tx, "routing", "model")
        index.engine.routing_model = model if model.learned else None
    return True


def _id_of(stored: routing_models.Stored | None) -> int:
    return 0 if stored is None else stored.id


async def run_routing_training(matcher: Matcher, pause: float = LOOK_SECONDS) -> None:
    """Look every ``pause`` seconds whether the routing model is due, and train it if so (until
    cancelled)."""
    await run_rounds(lambda: train_routing(matcher), pause, "training the routing model failed")


async def routing_model_in_use(database: Database) -> routing_models.Stored | None:
    """The stored model every replica routes with, when it was trained (None: none stored yet)."""
    async with database.reading() as session:
        return await routing_models.latest(session)


async def stored_routing_model(database: Database) -> RoutingModel:
    """The model the stored history trains now, as a replica whose training is due would
    (``peerlearn matcher routing-model`` when no model is stored yet)."""
    async with database.reading() as session:
        threads, posts, offers = await store.stored_forum(session)
        asked, written, accepted = await store.forum_times(session)
        routed, declines = await store.routing_labels(session)
    history = ForumHistory(
        {t.id: t for t in threads}, posts, asked, written, accepted, offers, routed, declines
    )
    return await asyncio.to_thread(train, history)
