"""Replaying a dump in time order and recording where each ranker puts the accepted answerer.

The dump becomes one timeline of events: a question is asked, an answer is written, an answer
is accepted, and (in the live matcher's history only) a routed person declines a question.
An acceptance is known only from the accepted answer's own time (the dump has no acceptance
time), or from the end of the day Votes.xml records for it, whichever is later. Every ranker
sees the events strictly before a question when it scores that question, and nothing after:
not later answers, not later acceptances, not the question's own answers. With ``holdout`` F
only the last F of questions (by time) are scored into the result; the earlier ones are still
asked, so a learning ranker can learn from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from tqdm import tqdm

from peerlearn_matcher.evaluation.dump import Answer, Decline, Dump, Question
from peerlearn_matcher.evaluation.metrics import rank_of
from peerlearn_matcher.evaluation.rankers import Ranker

# At one instant a question comes before the answers and acceptances stamped with the same time.
_ASKED, _ANSWERED, _ACCEPTED, _DECLINED = 0, 1, 2, 3
ROUTED = 5  # how many people a question is routed to at most (the live answerers_per_thread)


@dataclass
class ReplayResult:
    """Per ranker, the accepted answerer's rank on every evaluated question; and what was skipped."""

    ranks: dict[str, list[int]] = field(default_factory=dict)
    candidates: list[int] = field(default_factory=list)
    # Every question that could be ranked, held out or not: when, whether held out, each ranker's rank
    # (for the plot of MRR over time; the metrics use the held-out ones only).
    timeline: list[tuple[datetime, bool, dict[str, int]]] = field(default_factory=list)
    with_accepted: int = 0
    newcomer_accepted: int = 0  # the accepted answerer had never answered before: nobody can rank them
    held_out_questions: int = 0
    # Per ranker in ``routed``, one entry per held-out question that was ever answered: the top
    # ROUTED scores, whether each of those people eventually answered it, and the logsumexp of all
    # the question's scores (so a softmax ranker's probabilities can be recovered).
    routing: dict[str, list[tuple[np.ndarray, np.ndarray, float]]] = field(default_factory=dict)
    held_out_from: datetime | None = None


def acceptance_time(answer: Answer, dump: Dump) -> datetime:
    """The earliest time the acceptance of ``answer`` may be known to a ranker."""
    voted = dump.accepted_on.get(answer.id)
    return max(answer.created, voted + timedelta(days=1)) if voted else answer.created


def timeline(dump: Dump) -> list[tuple[datetime, int, Question | Answer | Decline]]:
    """Every question, answer, acceptance and decline of the dump in time order."""
    questions = {q.id: q for q in dump.questions}
    events: list[tuple[datetime, int, Question | Answer | Decline]] = [
        (q.created, _ASKED, q) for q in dump.questions
    ]
    events.extend((d.created, _DECLINED, d) for d in dump.declines if d.question_id in questions)
    for answer in dump.answers:
        if not answer.owner_id:
            continue
        events.append((answer.created, _ANSWERED, answer))
        if questions[answer.question_id].accepted_answer_id == answer.id:
            events.append((acceptance_time(answer, dump), _ACCEPTED, answer))
    events.sort(key=lambda e: (e[0], e[1], e[2].id))
    return events


def replay(
    dump: Dump,
    rankers: Sequence[Ranker],
    *,
    seed: int = 0,
    holdout: float = 1.0,
    routed: Sequence[str] = (),
    progress: bool = True,
) -> ReplayResult:
    """Feed ``dump`` to ``rankers`` in time order and rank the candidates of each question.

    Every question with candidates is put to every ranker (so learning rankers can label it when
    its acceptance arrives); it is a *case* of the result when it is among the last ``holdout``
    of questions and its accepted answerer had answered before. The candidates are everyone who
    answered before it, except the asker.
    """
    if not 0.0 < holdout <= 1.0:
        raise ValueError("holdout must be in (0, 1]")
    questions = {q.id: q for q in dump.questions}
    answer_owner = {a.id: a.owner_id for a in dump.answers}
    first_scored = len(dump.questions) - round(holdout * len(dump.questions))
    scored = {q.id for q in dump.questions[first_scored:]}
    result = ReplayResult(ranks={r.name: [] for r in rankers}, held_out_questions=len(scored))
    result.routing = {name: [] for name in routed}
    answerers: dict[str, set[str]] = {}
    for a in dump.answers:
        answerers.setdefault(a.question_id, set()).add(a.owner_id or "")
    if first_scored < len(dump.questions):
        result.held_out_from = dump.questions[first_scored].created
    will_be_answered = {a.question_id for a in dump.answers} | {
        q.id for q in dump.questions if q.accepted_answer_id
    }
    answered: dict[str, None] = {}  # insertion-ordered set: a stable candidate order
    rng = np.random.default_rng(seed)
    events = timeline(dump)
    for _, kind, item in tqdm(events, desc="replaying", unit="event", disable=not progress):
        if isinstance(item, Decline):
            for ranker in rankers:  # only a ranker that learns from declines has this
                observe_decline = getattr(ranker, "observe_decline", None)
                if observe_decline is not None:
                    observe_decline(item, questions[item.question_id])
            continue
        if isinstance(item, Answer):
            owner, question = item.owner_id or "", questions[item.question_id]
            for ranker in rankers:
                if kind == _ANSWERED:
                    ranker.observe(item, question)
                else:
                    ranker.observe_acceptance(item, question)
            answered[owner] = None
            continue
        question = item
        candidates = [p for p in answered if p != question.owner_id]
        if question.id not in will_be_answered:
            continue  # nothing to rank against (its text is not even encoded)
        all_scores = (
            {ranker.name: ranker.scores(question, candidates) for ranker in rankers} if candidates else {}
        )
        held_out = question.id in scored
        if held_out and candidates:
            for name in routed:
                values = all_scores[name]
                top = np.argsort(-values, kind="stable")[:ROUTED]
                came = np.array([candidates[i] in answerers.get(question.id, ()) for i in top])
                biggest = float(values.max())
                spread = biggest + float(np.log(np.exp(values - biggest).sum()))
                result.routing[name].append((values[top], came, spread))
        winner = answer_owner.get(question.accepted_answer_id or "")
        if not winner:
            continue
        result.with_accepted += held_out
        if winner not in candidates:
            result.newcomer_accepted += held_out
            continue
        relevant = candidates.index(winner)
        tie_break = rng.random(len(candidates))
        ranks = {name: rank_of(scores, relevant, tie_break) for name, scores in all_scores.items()}
        result.timeline.append((question.created, held_out, ranks))
        if held_out:
            result.candidates.append(len(candidates))
            for name, rank in ranks.items():
                result.ranks[name].append(rank)
    return result
