"""Acceptances reach the answering histories kept per audience when they happen (issue 14: no
rescan of every thread per question): an answer accepted, the acceptance moved to another post
and taken back, through ``Engine.accept_answer`` and through the thread put again (as a replica
reloads it), leave the kept history and the learned model's inputs equal to fresh builds, with
no build from all posts."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime

import numpy as np

from peerlearn_matcher.domain.answer_histories import build_evidence, build_history
from peerlearn_matcher.domain.engine import Engine
from peerlearn_matcher.domain.threads import ThreadRecord

from .test_answer_histories import DIM, _canonical, _person, _unit

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _forum() -> tuple[Engine, random.Random]:
    rng = random.Random(21)
    engine = Engine(DIM)
    for pid in ("asker", "ana", "bob", "cem"):
        _person(engine, pid, rng)
    for tid in ("a", "b", "c", "q1", "q2", "q3", "q4", "q5", "q6"):
        thread = ThreadRecord(tid, "s", "public", None, None, "asker", "question", tid, tags=["sql"])
        thread.vector = _unit(rng)
        engine.put_thread(thread)
    engine.posts["pa1"] = ("a", "ana")
    engine.posts["pa2"] = ("a", "bob")
    engine.posts["pb1"] = ("b", "cem")
    engine.posts["pb2"] = ("b", "ana")
    engine.posts["pc1"] = ("c", "bob")
    return engine, rng


def _assert_fresh(engine: Engine, question: str) -> None:
    """The kept history and evidence for ``question`` equal those built from every post."""
    thread = engine.threads[question]
    histories = engine.answer_histories
    kept = histories.history_for(engine, thread)
    assert _canonical(kept) == _canonical(build_history(engine, thread)), question
    assert kept is not None and kept.accepted.any() == any(
        t.accepted_post_id for t in engine.threads.values()
    )
    people = sorted(engine.people.records)
    evidence = histories.evidence_for(engine, thread)
    fresh = build_evidence(engine, thread)
    assert thread.vector is not None
    assert np.array_equal(
        evidence.features(thread.vector, thread.tags, people, WHEN),
        fresh.features(thread.vector, thread.tags, people, WHEN),
    ), question


def test_acceptances_between_questions_leave_the_kept_history_as_a_fresh_build() -> None:
    engine, _ = _forum()
    histories = engine.answer_histories
    _assert_fresh(engine, "q1")  # built once, with its evidence
    accepted_a = engine.threads["a"]
    engine.accept_answer("a", "pa1", "ana")  # accepted
    _assert_fresh(engine, "q2")
    engine.accept_answer("a", "pa2", "bob")  # moved to another post
    _assert_fresh(engine, "q3")
    # Taken back and accepted again as a replica reloads the thread: a new record each time.
    engine.put_thread(
        dataclasses.replace(engine.threads["a"], accepted_post_id=None, accepted_author_id=None)
    )
    assert engine.threads["a"] is not accepted_a
    _assert_fresh(engine, "q4")
    engine.put_thread(
        dataclasses.replace(engine.threads["b"], accepted_post_id="pb2", accepted_author_id="ana")
    )
    _assert_fresh(engine, "q5")
    # Several changes between two questions, one on a post the history has not seen yet.
    engine.accept_answer("c", "pc2", "cem")
    engine.accept_answer("b", "pb1", "cem")
    engine.accept_answer("a", "pa1", "ana")
    _assert_fresh(engine, "q6")
    assert engine.threads["c"].accepted_post_id == "pc2" and "pc2" in engine.posts
    assert histories.builds == 1  # no acceptance built the history again from all posts


def test_a_thread_put_again_with_more_than_its_acceptance_changed_is_built_again() -> None:
    engine, rng = _forum()
    histories = engine.answer_histories
    _assert_fresh(engine, "q1")
    engine.put_thread(dataclasses.replace(engine.threads["a"], accepted_post_id="pa1", tags=["git"]))
    _assert_fresh(engine, "q2")
    assert histories.builds == 2
    engine.put_thread(dataclasses.replace(engine.threads["b"], vector=_unit(rng)))
    _assert_fresh(engine, "q3")
    assert histories.builds == 3
    # The same record changed in place and put again: what changed cannot be told, so it is built.
    record = engine.threads["c"]
    record.tags = ["numpy"]
    engine.put_thread(record)
    _assert_fresh(engine, "q4")
    assert histories.builds == 4
