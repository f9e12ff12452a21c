"""Routing one question to answerers: the default weights (the baseline, same run) against a
learned :class:`~peerlearn_matcher.domain.routing_model.RoutingModel` (issue 14: the live
routing latency per question must stay within the default path's).

The call timed is :func:`peerlearn_matcher.domain.routing.answerers` (engine, thread,
``limit=answerers_wanted(engine, 0)``), what ``usecases.routing.route_thread`` calls for a new
question. A synthetic forum with a fixed seed: 384-d vectors (all-MiniLM-L6-v2's size) around
30 topics, 1,000 people in 4 orgs who each know one or two topics, 6,000 threads asked over a
year with 1-3 answers each (mostly by people who know the topic), half of them accepted; spaces
mostly public, some org. The model is constructed (fixed random weights over
:data:`~peerlearn_matcher.domain.routing_model.LEARNED`): its cost does not depend on what it
learned. Each question is routed once with the default weights and once with the model, in
alternation, after each audience's history and model inputs are built (the live caches are warm).
As live, the forum moves on between questions (untimed): every 5th question an earlier thread
gets an answer and every 10th an unaccepted one its first answer accepted, which the next
question's routing brings into the kept histories.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/matcher_routing.py [questions]``.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from peerlearn.events import PersonProfile, Skill
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.routing import answerers, answerers_wanted
from peerlearn_matcher.domain.routing_model import LEARNED, RoutingModel
from peerlearn_matcher.domain.threads import ThreadRecord

DIM = 384
TOPICS = 30
PEOPLE = 1000
THREADS = 6000
QUESTIONS = 200
START = datetime(2026, 1, 1, tzinfo=UTC)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


class Forum:
    """The synthetic forum and the generators that keep adding to it."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = np.random.default_rng(seed)
        self.rnd = random.Random(seed)
        self.centres = [_unit(self.rng.standard_normal(DIM)) for _ in range(TOPICS)]
        self.engine = Engine(DIM)
        self.experts: dict[int, list[str]] = {t: [] for t in range(TOPICS)}
        for i in range(PEOPLE):
            self._person(i)
        asked, written = {}, {}
        for t in range(THREADS):
            when = START + timedelta(days=365 * t / THREADS)
            thread = self.question(f"t{t}")
            asked[thread.id] = when
            topic = int(thread.tags[0][5:])
            for a in range(self.rnd.randint(1, 3)):
                pool = self.experts[topic] if self.rnd.random() < 0.8 else None
                author = self.rnd.choice(pool) if pool else f"u{self.rnd.randrange(PEOPLE)}"
                if author == thread.author_id:
                    continue
                post = f"p{t}.{a}"
                self.engine.posts[post] = (thread.id, author)
                written[post] = when + timedelta(hours=self.rnd.uniform(0.5, 48))
            first = f"p{t}.0"
            if first in self.engine.posts and self.rnd.random() < 0.5:
                self.engine.accept_answer(thread.id, first, self.engine.posts[first][1])
        self.engine.set_times(asked, written)

    def _person(self, i: int) -> None:
        topics = self.rnd.sample(range(TOPICS), self.rnd.choice((1, 2)))
        for topic in topics:
            self.experts[topic].append(f"u{i}")
        profile = PersonProfile(
            id=f"u{i}",
            org_id=f"o{i % 4}",
            display_name=f"u{i}",
            roles=["learner"],
            skills=[Skill(name=f"topic{t}", level=4) for t in topics],
        )
        have, want = split_skills(profile)
        offers = np.stack([self._near(t, 0.8) for t in topics])
        record = PersonRecord(profile, have, want, offers, np.zeros((0, DIM), np.float32), None)
        self.engine.put_person(record, offer_vector(record, None, DIM), need_vector(record, DIM))

    def _near(self, topic: int, noise: float) -> np.ndarray:
        return _unit(self.centres[topic] + noise * _unit(self.rng.standard_normal(DIM)))

    def question(self, tid: str) -> ThreadRecord:
        """A new unanswered question on a random topic, in a mostly public space."""
        topic = self.rnd.randrange(TOPICS)
        org = self.rnd.random() < 0.2
        thread = ThreadRecord(
            tid,
            "s",
            "org" if org else "public",
            f"o{self.rnd.randrange(4)}" if org else None,
            None,
            f"u{self.rnd.randrange(PEOPLE)}",
            "question",
            tid,
            tags=[f"topic{topic}", f"topic{self.rnd.randrange(TOPICS)}"],
        )
        thread.vector = self._near(topic, 1.0)
        self.engine.put_thread(thread)
        return thread

    def moves_on(self, n: int) -> None:
        """What happens after question ``n``: a new answer (every 5th), an acceptance (every 10th)."""
        engine = self.engine
        if n % 5 == 4:
            thread = engine.threads[f"t{self.rnd.randrange(THREADS)}"]
            pool = self.experts[int(thread.tags[0][5:])] or [f"u{self.rnd.randrange(PEOPLE)}"]
            author = self.rnd.choice(pool)
            if author != thread.author_id:
                engine.posts[f"late{n}"] = (thread.id, author)
        if n % 10 == 9:
            for _ in range(20):  # an earlier question without an accepted answer, if one is drawn
                thread = engine.threads[f"t{self.rnd.randrange(THREADS)}"]
                first = f"p{thread.id[1:]}.0"
                if thread.accepted_post_id is None and first in engine.posts:
                    engine.accept_answer(thread.id, first, engine.posts[first][1])
                    break


def model(seed: int = 3) -> RoutingModel:
    """A learned model with fixed random weights (scoring costs the same whatever it learned)."""
    rng = np.random.default_rng(seed)
    size = len(LEARNED)
    return RoutingModel(coefficients=rng.standard_normal(size), mean=np.zeros(size), scale=np.ones(size))


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def main() -> None:
    questions = int(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    forum = Forum()
    engine = forum.engine
    learned = model()
    limit = answerers_wanted(engine, 0)
    timings: dict[str, list[float]] = {"default": [], "model": []}
    routed = {"default": 0, "model": 0}
    with threadpool_limits(limits=1):
        for audience in (("public", None), *((("org", f"o{i}")) for i in range(4))):
            thread = forum.question(f"warm-{audience[1]}")
            thread.visibility, thread.org_id = audience
            # The audience's history and the model's inputs are built (on its first question
            # that needs them, live), so only warm routing is timed.
            engine.answer_histories.history_for(engine, thread)
            engine.answer_histories.evidence_for(engine, thread)
        for n in range(questions):
            thread = forum.question(f"q{n}")
            for name, weights in (("default", None), ("model", learned)):
                engine.routing_model = weights
                started = time.perf_counter()
                found = answerers(engine, thread.id, limit=limit)
                timings[name].append(_ms(started))
                routed[name] += len(found)
            forum.moves_on(n)
    print(
        f"{len(engine.people.records)} people, {THREADS} threads, {len(engine.posts):,} posts;"
        f" {questions} questions routed to {limit} each"
        f" (mean routed: default {routed['default'] / questions:.1f},"
        f" model {routed['model'] / questions:.1f})"
    )
    p50 = {k: float(np.percentile(v, 50)) for k, v in timings.items()}
    p99 = {k: float(np.percentile(v, 99)) for k, v in timings.items()}
    for name in timings:
        print(f"  {name:<8} p50 {p50[name]:7.2f} ms   p99 {p99[name]:7.2f} ms")
    print(
        f"  model / default: p50 {p50['model'] / p50['default']:.2f}x,"
        f" p99 {p99['model'] / p99['default']:.2f}x"
    )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
