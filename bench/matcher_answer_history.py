"""Routing one question to answerers at 1,000 and 10,000 threads: the answering history built from
every post on each question (before, the baseline, measured in the same run with
``answerers(..., cached=False)``) against the history kept per audience
(:mod:`peerlearn_matcher.domain.answer_histories`).

A synthetic forum: 384-d random normalised vectors (all-MiniLM-L6-v2's size), 2,000 people in
4 orgs and 20 cohorts, 3 answers per thread, spaces half public, a quarter org, a quarter cohort.
The questions routed are new, unanswered ones (as ``thread_written`` routes them), in random
spaces. Cases, each per question, the result checked equal to the baseline's:

- warm: nothing changed since the audience's last question;
- after a new post: one answer arrived since (appended to the history);
- after an acceptance: an answer was accepted since (the audience's history is rebuilt);
- answered question: the question has 3 answers of its own, left out per question;
- cold audience: the audience's history was evicted (more audiences asked than the cache
  holds) and is built again from every post.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/matcher_answer_history.py``.
"""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from peerlearn.events import PersonProfile, Skill
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.threads import ThreadRecord

DIM = 384
PEOPLE = 2000
ANSWERS = 3
QUESTIONS = 20
TAGS = [f"tag{i}" for i in range(40)]


def _unit(rng: np.random.Generator) -> np.ndarray:
    vector = rng.standard_normal(DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _space(rnd: random.Random) -> tuple[str, str | None, str | None]:
    roll = rnd.random()
    if roll < 0.5:
        return "public", None, None
    if roll < 0.75:
        return "org", f"o{rnd.randrange(4)}", None
    return "cohort", None, f"c{rnd.randrange(20)}"


def forum(threads: int, seed: int = 1) -> tuple[Engine, random.Random, np.random.Generator]:
    rng, rnd = np.random.default_rng(seed), random.Random(seed)
    engine = Engine(DIM)
    for i in range(PEOPLE):
        profile = PersonProfile(
            id=f"u{i}",
            org_id=f"o{i % 4}",
            display_name=f"u{i}",
            roles=["learner"],
            skills=[Skill(name=rnd.choice(TAGS), level=4)],
        )
        have, want = split_skills(profile)
        record = PersonRecord(
            profile, have, want, np.stack([_unit(rng)]), np.zeros((0, DIM), np.float32), None
        )
        engine.put_person(record, offer_vector(record, None, DIM), need_vector(record, DIM))
        engine.set_cohorts_of(record.id, [f"c{i % 20}"])
    for t in range(threads):
        question(engine, f"t{t}", rnd, rng)
        for a in range(ANSWERS):
            engine.posts[f"p{t}.{a}"] = (f"t{t}", f"u{rnd.randrange(PEOPLE)}")
        if rnd.random() < 0.5:
            engine.accept_answer(f"t{t}", f"p{t}.0", engine.posts[f"p{t}.0"][1])
    return engine, rnd, rng


def question(engine: Engine, tid: str, rnd: random.Random, rng: np.random.Generator) -> ThreadRecord:
    visibility, org, cohort = _space(rnd)
    thread = ThreadRecord(
        tid,
        "s",
        visibility,
        org,
        cohort,
        f"u{rnd.randrange(PEOPLE)}",
        "question",
        tid,
        tags=rnd.sample(TAGS, 2),
    )
    thread.vector = _unit(rng)
    engine.put_thread(thread)
    return thread


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    out = call()
    return (time.perf_counter() - started) * 1000, out


def measure(threads: int) -> None:
    engine, rnd, rng = forum(threads)
    histories = engine.answer_histories
    rows: dict[str, list[float]] = {
        k: [] for k in ("baseline", "warm", "new post", "acceptance", "answered", "cold audience")
    }
    for n in range(QUESTIONS):
        thread = question(engine, f"q{n}", rnd, rng)
        histories.history_for(engine, thread)  # the audience is warm
        before, expected = timed(partial(answerers, engine, thread.id, cached=False))
        rows["baseline"].append(before)
        ms, got = timed(partial(answerers, engine, thread.id))
        assert got == expected
        rows["warm"].append(ms)
        engine.posts[f"new{n}"] = (f"t{rnd.randrange(threads)}", f"u{rnd.randrange(PEOPLE)}")
        ms, got = timed(partial(answerers, engine, thread.id))
        assert got == answerers(engine, thread.id, cached=False)
        rows["new post"].append(ms)
        accepted = rnd.randrange(threads)
        engine.accept_answer(f"t{accepted}", f"p{accepted}.1", engine.posts[f"p{accepted}.1"][1])
        ms, got = timed(partial(answerers, engine, thread.id))
        assert got == answerers(engine, thread.id, cached=False)
        rows["acceptance"].append(ms)
        for a in range(ANSWERS):
            engine.posts[f"q{n}.{a}"] = (thread.id, f"u{rnd.randrange(PEOPLE)}")
        histories.history_for(engine, thread)
        ms, got = timed(partial(answerers, engine, thread.id))
        assert got == answerers(engine, thread.id, cached=False)
        rows["answered"].append(ms)
        histories.clear()
        ms, got = timed(partial(answerers, engine, thread.id))
        assert got == answerers(engine, thread.id, cached=False)
        rows["cold audience"].append(ms)
    base = float(np.median(rows["baseline"]))
    print(
        f"\n{threads:,} threads, {len(engine.posts):,} posts, {QUESTIONS} questions"
        " (median, p90 ms per question)"
    )
    for name, values in rows.items():
        median, p90 = float(np.median(values)), float(np.percentile(values, 90))
        label = (
            "built from every post (before, baseline)" if name == "baseline" else f"kept per audience: {name}"
        )
        print(f"  {label:<45} {median:8.2f} {p90:8.2f}   {base / median:6.1f}x faster")


def main() -> None:
    print(f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with threadpool_limits(limits=1):
        for threads in (1000, 10000):
            measure(threads)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
