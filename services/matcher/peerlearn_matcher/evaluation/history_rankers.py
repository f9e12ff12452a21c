"""Rankers aware of time: two recency baselines and peerlearn's learned ranking.

*Recently active*: every earlier answer counts, decayed by its age (half-life in days).
*Tag experts recently active*: the same, counting only answers under the question's tags.
*peerlearn, learned*: :class:`~peerlearn_matcher.domain.answerer_evidence.AnswererEvidence`
features ranked by :class:`~peerlearn_matcher.domain.routing_model.RoutingModel`, the domain code
the live routing uses; it labels a question only when its acceptance arrives in the replay (or,
in the live matcher's history, on a question never accepted, the first answer of someone it was
routed to), so its weights come from earlier questions only (walk-forward); a decline feeds the
evidence as it would live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from peerlearn_matcher.domain.answer_history import tag_key
from peerlearn_matcher.domain.answerer_evidence import HALF_LIFE_DAYS, AnswererEvidence, day_number
from peerlearn_matcher.domain.routing_model import RoutingModel
from peerlearn_matcher.evaluation.dump import Answer, Decline, Question
from peerlearn_matcher.evaluation.rankers import EncodedTexts


class _Decayed:
    """Sums of ``2**(day / half_life)`` relative to the first day, decayed to any later day."""

    def __init__(self, half_life: float) -> None:
        self.half_life = half_life
        self.origin: float | None = None
        self.sums: defaultdict[str, float] = defaultdict(float)

    def add(self, key: str, day: float) -> None:
        if self.origin is None:
            self.origin = day
        self.sums[key] += 2.0 ** ((day - self.origin) / self.half_life)

    def at(self, keys: Sequence[str], day: float) -> np.ndarray:
        if self.origin is None:
            return np.zeros(len(keys))
        decay = 2.0 ** (-(day - self.origin) / self.half_life)
        return np.array([self.sums.get(k, 0.0) for k in keys]) * decay


class RecentlyActiveRanker:
    """Answers decayed by age: who answered a lot *lately*, whatever the topic."""

    def __init__(self, half_life_days: float = HALF_LIFE_DAYS) -> None:
        self.name = f"recently active ({half_life_days:g} d half-life)"
        self._answers = _Decayed(half_life_days)

    def observe(self, answer: Answer, question: Question) -> None:
        self._answers.add(answer.owner_id or "", day_number(answer.created))

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        return None

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        return self._answers.at(candidates, day_number(question.created))


class TagExpertsRecentRanker:
    """Answers under the question's tags decayed by age; recent activity of any kind breaks ties."""

    def __init__(self, half_life_days: float = HALF_LIFE_DAYS) -> None:
        self.name = "tag experts recently active"
        self._tagged = _Decayed(half_life_days)
        self._answers = _Decayed(half_life_days)

    def observe(self, answer: Answer, question: Question) -> None:
        day = day_number(answer.created)
        self._answers.add(answer.owner_id or "", day)
        for tag in {tag_key(t) for t in question.tags}:
            self._tagged.add(f"{tag}\0{answer.owner_id or ''}", day)

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        return None

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        day = day_number(question.created)
        tags = {tag_key(t) for t in question.tags}
        tagged = sum(
            (self._tagged.at([f"{t}\0{c}" for c in candidates], day) for t in tags), np.zeros(len(candidates))
        )
        activity = self._answers.at(candidates, day)
        return tagged + 1e-3 * activity / (1.0 + activity)  # the tie-break stays below one tagged answer


class LearnedRanker:
    """peerlearn's live ranking: evidence features, default weights, then weights learned walk-forward."""

    def __init__(self, texts: EncodedTexts, *, learn: bool = True, name: str = "peerlearn, learned") -> None:
        self.name = name
        self.texts = texts
        self.evidence = AnswererEvidence(texts.dim)
        self.model = RoutingModel() if learn else RoutingModel(min_cases=10**9)
        self._asked: dict[str, tuple[np.ndarray, list[str], Question]] = {}

    def observe(self, answer: Answer, question: Question) -> None:
        owner = answer.owner_id or ""
        self.evidence.answered(
            owner,
            question.id,
            self.texts.questions[question.id],
            question.tags,
            question.created,
            answer.created,
        )
        # Live only (a dump routes nobody): on a question its asker never accepted an answer to, the
        # first answer from someone it was routed to is its label (who answers, as the model
        # predicts), known now. An accepted answer is the asker's own word: it labels the others.
        if owner in question.routed and not question.accepted_answer_id:
            asked = self._asked.get(question.id)
            if asked is not None and owner in asked[1]:  # a routed newcomer cannot be ranked: wait
                del self._asked[question.id]
                rows, candidates, _ = asked
                self.model.add_case(rows, candidates.index(owner), question.created)

    def observe_acceptance(self, answer: Answer, question: Question) -> None:
        owner = answer.owner_id or ""
        self.evidence.accepted(owner, question.id, question.tags)
        asked = self._asked.pop(question.id, None)
        if asked is not None and owner in asked[1]:  # the label arrives now, not at asking time
            rows, candidates, _ = asked
            self.model.add_case(rows, candidates.index(owner), question.created)

    def observe_decline(self, decline: Decline, question: Question) -> None:
        """A routed person said "not my area": a negative label, through the evidence's
        ``declined_similarity`` of later questions (so a trained model weighs it from the history)."""
        vector = self.texts.questions.get(question.id)
        if vector is not None:
            self.evidence.declined(decline.person_id, vector)

    def scores(self, question: Question, candidates: Sequence[str]) -> np.ndarray:
        vector = self.texts.questions.get(question.id)
        if vector is None:  # a question nobody answered was not encoded: nothing to learn or rank
            return np.zeros(len(candidates))
        rows = self.evidence.features(vector, question.tags, candidates, question.created, self.texts.about)
        if question.accepted_answer_id or question.routed:  # only these can be labelled; saves memory
            self._asked[question.id] = (rows, list(candidates), question)
        return self.model.score(rows)
