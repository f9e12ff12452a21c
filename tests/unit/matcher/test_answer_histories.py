"""The answering history kept per audience (domain.answer_histories) is never stale: after every
step of a random sequence of forum changes, routing with it equals routing with a history built
from every post, and so does the history itself, row for row (issue 14/15)."""

from __future__ import annotations

import dataclasses
import random
from itertools import islice

import numpy as np

from peerlearn.events import PersonProfile, Skill
from peerlearn_matcher.domain.answer_histories import audience_of, build_history
from peerlearn_matcher.domain.answer_history import AnswerHistory
from peerlearn_matcher.domain.engine import Engine, Posts
from peerlearn_matcher.domain.people import PersonRecord, need_vector, offer_vector, split_skills
from peerlearn_matcher.domain.routing import answerers
from peerlearn_matcher.domain.threads import ThreadRecord

DIM = 8
TAGS = ["sql", "SQL ", "python", "numpy", "git"]
SPACES = [
    ("public", None, None),
    ("org", "o1", None),
    ("org", "o2", None),
    ("cohort", None, "c1"),
    ("cohort", None, "c2"),
]


def _unit(rng: random.Random) -> np.ndarray:
    vector = np.array([rng.gauss(0, 1) for _ in range(DIM)], np.float32)
    return vector / np.linalg.norm(vector)


def _person(engine: Engine, pid: str, rng: random.Random) -> None:
    org = rng.choice(["o1", "o2"])
    profile = PersonProfile(
        id=pid,
        org_id=org,
        display_name=pid,
        roles=["learner"],
        skills=[Skill(name=rng.choice(TAGS), level=4)],
    )
    have, want = split_skills(profile)
    record = PersonRecord(profile, have, want, np.stack([_unit(rng)]), np.zeros((0, DIM), np.float32), None)
    engine.put_person(record, offer_vector(record, None, DIM), need_vector(record, DIM))
    engine.set_cohorts_of(pid, [c for c in ("c1", "c2") if rng.random() < 0.5])


def _canonical(history: AnswerHistory | None) -> object:
    """A history as what ranking reads: rows in order, and per person their sums and tags."""
    if history is None:
        return None
    people = sorted(history.person_ids())
    codes = np.array([history.code(p) for p in people], dtype=np.int64)
    rows = [
        (people[list(codes).index(int(c))] if int(c) in codes else None, t, bool(a), v.tobytes())
        for c, t, a, v in zip(
            history.codes, history.thread_ids, history.accepted, history.vectors, strict=True
        )
    ]
    topics = history.topic_vectors(codes).tobytes() if len(codes) else b""
    return rows, people, topics, [dict(history.tags_of(int(c))) for c in codes]


def _check(engine: Engine, rng: random.Random) -> int:
    """Compare on a few threads; return how many answerers were found (the test's reach)."""
    questions = [t for t in engine.threads.values() if t.vector is not None]
    found = 0
    for thread in rng.sample(questions, min(4, len(questions))):
        routed = answerers(engine, thread.id)
        assert routed == answerers(engine, thread.id, cached=False), thread
        found += sum(1 for s in routed if s.features[5] > 0)  # ranked with some history
        cached = engine.answer_histories.history_for(engine, thread)
        assert _canonical(cached) == _canonical(build_history(engine, thread)), thread
    return found


def _step(engine: Engine, rng: random.Random, n: int, people: list[str]) -> str:
    threads = list(engine.threads.values())
    posts = list(engine.posts)
    choice = rng.random()
    if choice < 0.15 or not threads:
        visibility, org, cohort = rng.choice(SPACES)
        thread = ThreadRecord(
            f"t{n}",
            "s",
            visibility,
            org,
            cohort,
            rng.choice(people),
            "question",
            "q",
            tags=rng.sample(TAGS, 2),
        )
        thread.vector = _unit(rng) if rng.random() < 0.9 else None
        engine.put_thread(thread)
        return "thread"
    thread = rng.choice(threads)
    if choice < 0.50:
        author = thread.author_id if rng.random() < 0.1 else rng.choice(people)
        engine.posts[f"p{n}"] = (thread.id if rng.random() < 0.95 else "unknown", author)
        return "post"
    if choice < 0.60 and posts:
        post_id = rng.choice(posts)
        thread_id, author = engine.posts[post_id]
        if rng.random() < 0.5:  # as a replica reloads it: the thread put again, then its post
            if (record := engine.threads.get(thread_id)) is not None:
                # Accepted already: taken back (the thread as it was before any acceptance).
                accepted = None if record.accepted_post_id == post_id else post_id
                engine.put_thread(dataclasses.replace(record, accepted_post_id=accepted))
            if rng.random() < 0.7:
                engine.posts[post_id] = (thread_id, author)
        else:
            engine.accept_answer(thread_id, post_id, author)
        return "accept"
    if choice < 0.70:
        changed = dataclasses.replace(thread, tags=rng.sample(TAGS, rng.randint(0, 3)))
        engine.put_thread(changed)
        return "tags"
    if choice < 0.78:
        changed = dataclasses.replace(thread, vector=_unit(rng))
        engine.put_thread(changed)
        return "vector"
    if choice < 0.86:
        visibility, org, cohort = rng.choice(SPACES)
        engine.put_thread(dataclasses.replace(thread, visibility=visibility, org_id=org, cohort_id=cohort))
        return "visibility"
    if choice < 0.91 and posts:
        engine.posts.pop(rng.choice(posts), None)
        return "post deleted"
    if choice < 0.95:
        engine.remove_thread(thread.id)
        return "thread deleted"
    gone = rng.choice(people)
    engine.remove_person(gone)
    _person(engine, gone, rng)  # back as someone new, without their posts
    return "erasure"


def test_the_cached_history_equals_a_fresh_build_after_every_change() -> None:
    rng = random.Random(14)
    engine = Engine(DIM)
    engine.limits.answerers = 50
    engine.answer_histories.size = 3  # fewer than the audiences: entries are evicted too
    people = [f"u{i}" for i in range(12)]
    for pid in people:
        _person(engine, pid, rng)
    done: dict[str, int] = {}
    found = 0
    for n in range(400):
        kind = _step(engine, rng, n, people)
        done[kind] = done.get(kind, 0) + 1
        found += _check(engine, rng)
    assert found > 10  # some comparisons were about answerers with accepted answers behind them
    assert len(engine.posts) > 20
    assert all(done.get(k, 0) > 5 for k in ("post", "accept", "tags", "vector", "visibility", "erasure"))
    # The cache did serve: far fewer full builds than questions asked.
    assert engine.answer_histories.builds < 400 * 4 / 2


def test_a_question_s_own_answers_are_left_out_and_audiences_share_a_history() -> None:
    rng = random.Random(3)
    engine = Engine(DIM)
    for pid in ("asker", "ana", "bob"):
        _person(engine, pid, rng)
    for tid in ("a", "b", "c"):
        thread = ThreadRecord(tid, "s", "public", None, None, "asker", "question", tid, tags=["sql"])
        thread.vector = _unit(rng)
        engine.put_thread(thread)
    engine.posts["p1"] = ("a", "ana")
    engine.posts["p2"] = ("b", "ana")
    engine.posts["p3"] = ("a", "bob")  # bob answered only a
    histories = engine.answer_histories
    for tid in ("a", "b", "c"):
        assert _canonical(histories.history_for(engine, engine.threads[tid])) == _canonical(
            build_history(engine, engine.threads[tid])
        )
    own = histories.history_for(engine, engine.threads["a"])
    assert own is not None and set(own.person_ids()) == {"ana"} and own.thread_ids == ["b"]
    assert histories.builds == 1  # one public audience, built once
    assert audience_of(engine.threads["a"]) == audience_of(engine.threads["c"])
    # An acceptance and a new post are brought in without a rebuild; a re-put thread with posts is not.
    engine.accept_answer("b", "p2", "ana")
    engine.posts["p4"] = ("c", "bob")
    for tid in ("a", "b", "c"):
        assert _canonical(histories.history_for(engine, engine.threads[tid])) == _canonical(
            build_history(engine, engine.threads[tid])
        )
    assert histories.builds == 1
    engine.put_thread(dataclasses.replace(engine.threads["b"], tags=["git"]))
    assert _canonical(histories.history_for(engine, engine.threads["a"])) == _canonical(
        build_history(engine, engine.threads["a"])
    )
    assert histories.builds == 2


def test_posts_since_lists_what_islice_of_the_items_would() -> None:
    rng = random.Random(8)
    posts = Posts()
    for n in range(600):
        choice = rng.random()
        keys = list(posts)
        if choice < 0.6 or not keys:
            posts[f"p{n}"] = (f"t{rng.randrange(20)}", f"u{rng.randrange(5)}")
        elif choice < 0.8:  # written again, the same or moved: its place stays
            key = rng.choice(keys)
            posts[key] = posts[key] if rng.random() < 0.5 else ("t0", "u0")
        else:
            del posts[rng.choice(keys)]
        start = rng.randrange(len(posts) + 2)
        assert list(posts.since(start)) == list(islice(posts.items(), start, None)), n
