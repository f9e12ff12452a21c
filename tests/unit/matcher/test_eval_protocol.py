"""The evaluation's protocol: nothing after a question is visible when it is ranked; holdout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from peerlearn_matcher.evaluation.dump import Answer, Dump, Question
from peerlearn_matcher.evaluation.replay import replay

T0 = datetime(2024, 1, 1, 9, 0)


def _q(
    id: str, hours: float, owner: str, accepted: str | None = None, tags: tuple[str, ...] = ("x",)
) -> Question:
    return Question(id, T0 + timedelta(hours=hours), owner, f"question {id}", "", tags, accepted)


def _a(id: str, question: str, hours: float, owner: str) -> Answer:
    return Answer(id, question, T0 + timedelta(hours=hours), owner)


class Spy:
    """Records what it was shown, and when, to check against each question's time."""

    name = "spy"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []  # ("answer" | "accepted", answer id)
        self.at_question: dict[str, list[tuple[str, str]]] = {}
        self.latest: datetime | None = None

    def observe(self, answer: Answer, question: Question) -> None:
        self.seen.append(("answer", answer.id))

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        self.seen.append(("accepted", answer.id))

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        self.at_question[question.id] = list(self.seen)
        return np.zeros(len(candidates))


def _dump(votes: dict[str, datetime] | None = None) -> Dump:
    questions = [
        _q("q1", 0, "asker1", accepted="a1"),
        _q("q2", 10, "asker2", accepted="a3"),
        _q("q3", 30, "asker3", accepted="a4"),
    ]
    answers = [
        _a("a1", "q1", 1, "alice"),  # accepted, before q2
        _a("a2", "q1", 12, "bob"),  # after q2 was asked
        _a("a3", "q2", 11, "alice"),  # q2's own accepted answer
        _a("a4", "q3", 31, "bob"),
    ]
    return Dump(Path("."), questions, answers, accepted_on=votes or {})


def test_a_question_is_ranked_on_the_events_before_it_and_nothing_after() -> None:
    spy = Spy()
    replay(_dump(), [spy], progress=False)

    assert spy.at_question["q2"] == [("answer", "a1"), ("accepted", "a1")]
    seen_at_q3 = set(spy.at_question["q3"])
    assert {("answer", "a2"), ("answer", "a3"), ("accepted", "a3")} <= seen_at_q3
    assert ("answer", "a4") not in seen_at_q3 and ("accepted", "a4") not in seen_at_q3


def test_an_acceptance_dated_by_votes_is_known_only_from_the_end_of_that_day() -> None:
    spy = Spy()
    # Votes.xml says a1 was accepted on the day of q3: not known at q2, known at q3 (the day after).
    dump = _dump({"a1": datetime(2024, 1, 1)})
    replay(dump, [spy], progress=False)

    assert ("accepted", "a1") not in spy.at_question["q2"]
    assert ("accepted", "a1") in spy.at_question["q3"]


def test_holdout_scores_only_the_last_share_of_questions_by_time() -> None:
    dump = _dump()
    everything = replay(dump, [Spy()], progress=False)
    last_third = replay(dump, [Spy()], holdout=1 / 3, progress=False)

    # q1 has no candidates; q2 (alice answered before) and q3 are cases when all are scored.
    assert len(everything.ranks["spy"]) == 2
    assert len(last_third.ranks["spy"]) == 1
    assert last_third.held_out_from == T0 + timedelta(hours=30)
    assert [held for _, held, _ in last_third.timeline] == [False, True]


def test_a_threshold_sweep_trades_reach_for_precision() -> None:
    from peerlearn_matcher.evaluation.thresholds import chosen, sweep

    # Two questions, top scores and whether each routed person answered.
    routing = [
        (np.array([0.9, 0.2]), np.array([True, False]), 0.0),
        (np.array([0.3, 0.1]), np.array([False, True]), 0.0),
    ]
    rows = sweep(routing, (0.0, 0.25, 0.5))

    assert [(r.precision, r.reach) for r in rows] == [(0.5, 1.0), (0.5, 0.5), (1.0, 0.5)]
    assert chosen(rows) is rows[0]  # 0.5 already clears a third
