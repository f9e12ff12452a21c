"""Replaying a dump in time order and recording where each ranker puts the accepted answerer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from peerlearn_matcher.evaluation.dump import Dump
from peerlearn_matcher.evaluation.metrics import rank_of
from peerlearn_matcher.evaluation.rankers import Ranker


@dataclass
class ReplayResult:
    """Per ranker, the accepted answerer's rank on every evaluated question; and what was skipped."""

    ranks: dict[str, list[int]] = field(default_factory=dict)
    candidates: list[int] = field(default_factory=list)
    with_accepted: int = 0
    newcomer_accepted: int = 0  # the accepted answerer had never answered before: nobody can rank them


def replay(dump: Dump, rankers: Sequence[Ranker], *, seed: int = 0, progress: bool = True) -> ReplayResult:
    """Feed ``dump`` to ``rankers`` in time order and rank the candidates of each answered question.

    For each question (in creation order) every answer written before it has been observed; if
    the question has an accepted answer whose author answered before, that question is a case:
    the candidates are everyone who answered before, except the asker.
    """
    questions = {q.id: q for q in dump.questions}
    answer_owner = {a.id: a.owner_id for a in dump.answers}
    result = ReplayResult(ranks={r.name: [] for r in rankers})
    answered: dict[str, None] = {}  # insertion-ordered set: a stable candidate order
    rng = np.random.default_rng(seed)
    pending = iter(dump.answers)
    upcoming = next(pending, None)
    for question in tqdm(dump.questions, desc="replaying questions", unit="q", disable=not progress):
        while upcoming is not None and upcoming.created < question.created:
            if upcoming.owner_id:
                for ranker in rankers:
                    ranker.observe(upcoming, questions[upcoming.question_id])
                answered[upcoming.owner_id] = None
            upcoming = next(pending, None)
        winner = answer_owner.get(question.accepted_answer_id or "")
        if not winner:
            continue
        result.with_accepted += 1
        if winner not in answered or winner == question.owner_id:
            result.newcomer_accepted += 1
            continue
        candidates = [p for p in answered if p != question.owner_id]
        relevant = candidates.index(winner)
        tie_break = rng.random(len(candidates))
        result.candidates.append(len(candidates))
        for ranker in rankers:
            scores = ranker.scores(question, candidates)
            result.ranks[ranker.name].append(rank_of(scores, relevant, tie_break))
    return result
